// Events by name and schema version: upcaster chains, and bad input that gets a typed error.
#include <chronicle/json/event_codec.hpp>

#include <doctest/doctest.h>

#include "schema_evolution/orders_v2.hpp"

#include <boost/describe/class.hpp>

namespace chain {

// Three versions of one event: v1 had a name, v2 split it, v3 added a default locale.
struct Renamed_v1 {
  static constexpr std::string_view event_name = "Renamed";
  std::string name;
};
BOOST_DESCRIBE_STRUCT(Renamed_v1, (), (name))
struct Renamed_v2 {
  static constexpr std::string_view event_name = "Renamed";
  static constexpr int schema_version = 2;
  using previous_version = Renamed_v1;
  std::string first, last;
};
BOOST_DESCRIBE_STRUCT(Renamed_v2, (), (first, last))
struct Renamed {
  static constexpr std::string_view event_name = "Renamed";
  static constexpr int schema_version = 3;
  using previous_version = Renamed_v2;
  std::string first, last, locale;
  friend bool operator==(const Renamed&, const Renamed&) = default;
};
BOOST_DESCRIBE_STRUCT(Renamed, (), (first, last, locale))

inline Renamed_v2 upcast(Renamed_v1 old) {
  const auto space = old.name.find(' ');
  if (space == std::string::npos) return {old.name, ""};
  return {old.name.substr(0, space), old.name.substr(space + 1)};
}
inline Renamed upcast(Renamed_v2 old) { return {std::move(old.first), std::move(old.last), "en"}; }

struct Deleted {
  static constexpr std::string_view event_name = "Deleted";
};
BOOST_DESCRIBE_STRUCT(Deleted, (), ())

using person_event = std::variant<Renamed, Deleted>;

struct Strict_v1 {
  static constexpr std::string_view event_name = "Strict";
  int value = 0;
};
BOOST_DESCRIBE_STRUCT(Strict_v1, (), (value))
struct Strict {
  static constexpr std::string_view event_name = "Strict";
  static constexpr int schema_version = 2;
  using previous_version = Strict_v1;
  unsigned value = 0;
};
BOOST_DESCRIBE_STRUCT(Strict, (), (value))
inline Strict upcast(Strict_v1 old) {
  if (old.value < 0) throw std::invalid_argument("negative");
  return {static_cast<unsigned>(old.value)};
}
using strict_event = std::variant<Strict>;

}  // namespace chain

namespace {

using chronicle::decode_error;
using codec = chronicle::event_codec<chain::person_event>;

static_assert(std::is_same_v<chronicle::versions_of<chain::Renamed>,
                             boost::mp11::mp_list<chain::Renamed_v1, chain::Renamed_v2, chain::Renamed>>);
static_assert(chronicle::event_schema_version_v<chain::Renamed> == 3);
static_assert(chronicle::event_schema_version_v<chain::Deleted> == 1);

TEST_CASE("each old version is upcast along the chain to the current type") {
  auto v1 = codec::decode("Renamed", 1, R"({"name":"Ada Lovelace"})");
  REQUIRE(v1);
  CHECK(std::get<chain::Renamed>(*v1) == chain::Renamed{"Ada", "Lovelace", "en"});
  auto v2 = codec::decode("Renamed", 2, R"({"first":"Grace","last":"Hopper"})");
  REQUIRE(v2);
  CHECK(std::get<chain::Renamed>(*v2) == chain::Renamed{"Grace", "Hopper", "en"});
  auto v3 = codec::decode("Renamed", 3, R"({"first":"Alan","last":"Turing","locale":"en-GB"})");
  REQUIRE(v3);
  CHECK(std::get<chain::Renamed>(*v3).locale == "en-GB");
  CHECK(codec::decode("Deleted", 1, "{}"));
}

TEST_CASE("encode writes the current version, which decodes back to the same event") {
  const chain::person_event e = chain::Renamed{"Ada", "Lovelace", "en"};
  CHECK(codec::schema_version(e) == 3);
  const auto payload = codec::encode(e);
  CHECK(payload == R"({"first":"Ada","last":"Lovelace","locale":"en"})");
  CHECK(std::get<chain::Renamed>(codec::decode("Renamed", 3, payload).value()) == std::get<chain::Renamed>(e));
}

TEST_CASE("the reference's case: product_id string in v1, structured product reference in v2") {
  using order_codec = chronicle::event_codec<evolution::order_event>;
  const auto old = order_codec::decode("OrderPlaced", 1,
                                       R"({"user_id":"0d9b5f6c-51a4-4a57-9a8e-1c2b3d4e5f60","product_id":"garden/rake-7","quantity":2})");
  REQUIRE(old);
  CHECK(std::get<evolution::OrderPlaced>(*old).product == evolution::product_ref{"garden", "rake-7"});
}

void check_error(const chronicle::result<chain::person_event, decode_error>& r, decode_error::kind what,
                 std::string_view field = {}) {
  REQUIRE(r.has_error());
  CHECK(r.error().what == what);
  CHECK(r.error().field == field);
}

TEST_CASE("bad input gets a typed error naming the event, the version and the field") {
  using kind = decode_error::kind;
  check_error(codec::decode("Exploded", 1, "{}"), kind::unknown_event);
  check_error(codec::decode("Renamed", 4, "{}"), kind::unknown_schema_version);
  check_error(codec::decode("Renamed", 0, "{}"), kind::unknown_schema_version);
  check_error(codec::decode("Renamed", 3, ""), kind::empty_document);
  check_error(codec::decode("Renamed", 3, "  \n\t "), kind::empty_document);
  check_error(codec::decode("Renamed", 3, R"({"first":)"), kind::malformed_json);
  check_error(codec::decode("Renamed", 3, R"({"first":"a","last":"b","locale":"c"} trailing)"), kind::malformed_json);
  check_error(codec::decode("Renamed", 3, R"({"first":"a","last":"b","locale":"c"}{})"), kind::malformed_json);
  check_error(codec::decode("Renamed", 3, R"({"first":"a","last":2,"locale":"c"})"), kind::wrong_type, "last");
  check_error(codec::decode("Renamed", 2, R"({"first":"a"})"), kind::missing_field, "last");
  check_error(codec::decode("Renamed", 3, R"([1,2])"), kind::wrong_type);
  check_error(codec::decode("Renamed", 3, "\xff\xfe"), kind::malformed_json);
  auto strict = codec::decode("Renamed", 1, R"({"name":"x","age":3})", {.reject_unknown_fields = true});
  check_error(strict, kind::unknown_field, "age");
  CHECK(strict.error().event_name == "Renamed");
  CHECK(strict.error().schema_version == 1);
  CHECK(chronicle::describe(strict.error()) == "unknown field in event 'Renamed' v1 at 'age': no such field");
  CHECK(codec::decode("Renamed", 1, R"({"name":"x","age":3})"));  // ignored by default
}

TEST_CASE("an upcaster that throws yields a typed error, not an exception") {
  auto refused = codec::decode("Renamed", 1, R"({"name":""})");
  CHECK(refused);  // an empty name splits fine
  using evolution_codec = chronicle::event_codec<chain::strict_event>;
  const auto e = evolution_codec::decode("Strict", 1, R"({"value":-1})");
  REQUIRE(e.has_error());
  CHECK(e.error().what == decode_error::kind::invalid_value);
  CHECK(e.error().detail == "the upcaster refused it: negative");
  CHECK(evolution_codec::decode("Strict", 1, R"({"value":1})"));
}

}  // namespace
