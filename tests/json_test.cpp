// The reflected JSON codec: round trips of what users put in events, and errors that name the field.
#include <chronicle/json/codec.hpp>

#include <doctest/doctest.h>

#include <boost/describe/class.hpp>
#include <boost/describe/enum.hpp>
#include <chronicle/json/detail/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/uuid/random_generator.hpp>

#include <limits>
#include <map>
#include <unordered_map>

namespace shapes {

enum class color { red, green, deep_blue };
BOOST_DESCRIBE_ENUM(color, red, green, deep_blue)

/// A decimal with a JSON form of its own ("12.34"): the customisation point at work.
struct decimal {
  std::int64_t units = 0;  // hundredths
  friend bool operator==(const decimal&, const decimal&) = default;
};

struct point {
  double x = 0, y = 0;
  friend bool operator==(const point&, const point&) = default;
};
BOOST_DESCRIBE_STRUCT(point, (), (x, y))

struct everything {
  bool flag = false;
  std::int8_t i8 = 0;
  std::int16_t i16 = 0;
  std::int32_t i32 = 0;
  std::int64_t i64 = 0;
  std::uint8_t u8 = 0;
  std::uint16_t u16 = 0;
  std::uint32_t u32 = 0;
  std::uint64_t u64 = 0;
  float f = 0;
  double d = 0;
  std::string text;
  color hue = color::red;
  boost::uuids::uuid id{};
  std::chrono::system_clock::time_point at{};
  std::optional<int> maybe;
  std::optional<std::string> nothing;
  std::vector<int> numbers;
  std::vector<point> path;
  std::vector<std::vector<std::string>> nested;
  std::map<std::string, int> by_name;
  std::unordered_map<std::string, point> places;
  std::map<int, std::string> by_number;
  point origin;
  decimal price;
  friend bool operator==(const everything&, const everything&) = default;
};
BOOST_DESCRIBE_STRUCT(everything, (),
                      (flag, i8, i16, i32, i64, u8, u16, u32, u64, f, d, text, hue, id, at, maybe, nothing, numbers,
                       path, nested, by_name, places, by_number, origin, price))

struct with_defaults {
  static constexpr bool json_defaults = true;
  int a = 7;
  std::string b = "kept";
};
BOOST_DESCRIBE_STRUCT(with_defaults, (), (a, b))

}  // namespace shapes

template <>
struct chronicle::json_codec<shapes::decimal> {
  static void encode(const shapes::decimal& v, boost::json::value& out) {
    const auto sign = v.units < 0 ? "-" : "";
    const auto magnitude = v.units < 0 ? -v.units : v.units;
    const auto cents = std::to_string(100 + magnitude % 100).substr(1);
    out.emplace_string() = sign + std::to_string(magnitude / 100) + "." + cents;
  }
  static bool decode(const boost::json::value& in, shapes::decimal& out, chronicle::json_decoder& d) {
    if (!in.is_string()) return d.fail(chronicle::decode_error::kind::wrong_type, "expected a decimal string");
    const std::string_view text(in.get_string().data(), in.get_string().size());
    const auto dot = text.find('.');
    if (dot == std::string_view::npos || text.size() - dot != 3)
      return d.fail(chronicle::decode_error::kind::invalid_value, "expected digits, a point and two decimals");
    try {
      const bool negative = text.front() == '-';
      const auto whole = std::stoll(std::string(text.substr(negative, dot - negative)));
      const auto hundredths = std::stoll(std::string(text.substr(dot + 1)));
      out.units = (negative ? -1 : 1) * (whole * 100 + hundredths);
    } catch (const std::exception&) {
      return d.fail(chronicle::decode_error::kind::invalid_value, "not a decimal");
    }
    return true;
  }
};

namespace {

using chronicle::decode_error;
using namespace shapes;

template <class T>
std::string to_text(const T& v) {
  boost::json::value json;
  chronicle::encode_json(v, json);
  return boost::json::serialize(json);
}

template <class T>
chronicle::result<T, decode_error> from_text(std::string_view text, chronicle::json_options options = {}) {
  boost::system::error_code ec;
  const auto json = chronicle::detail::parse_json(text, ec);
  REQUIRE_FALSE(ec);
  chronicle::json_decoder d(options);
  T out{};
  if (!chronicle::decode_json(json, out, d)) return d.error();
  return out;
}

everything sample() {
  everything e;
  e.flag = true;
  e.i8 = std::numeric_limits<std::int8_t>::min();
  e.i16 = std::numeric_limits<std::int16_t>::max();
  e.i32 = std::numeric_limits<std::int32_t>::min();
  e.i64 = std::numeric_limits<std::int64_t>::min();
  e.u8 = std::numeric_limits<std::uint8_t>::max();
  e.u16 = std::numeric_limits<std::uint16_t>::max();
  e.u32 = std::numeric_limits<std::uint32_t>::max();
  e.u64 = std::numeric_limits<std::uint64_t>::max();
  e.f = std::numeric_limits<float>::max();
  e.d = 0.1;
  e.text = std::string("quotes \" and \\ backslash, tab\t newline\n NUL") + '\0' +
           " control \x01, UTF-8: caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x93\xa6 \xe4\xb8\xad\xe6\x96\x87";
  e.hue = color::deep_blue;
  e.id = boost::uuids::random_generator()();
  e.at = std::chrono::system_clock::time_point(std::chrono::nanoseconds(1'764'230'400'123'456'789));
  e.maybe = 42;
  e.numbers = {1, -2, 3};
  e.path = {{1.5, -2.25}, {0, 1e-300}};
  e.nested = {{"a", "b"}, {}, {"c"}};
  e.by_name = {{"one", 1}, {"two", 2}};
  e.places = {{"home", {1, 2}}};
  e.by_number = {{-1, "minus one"}, {7, "seven"}};
  e.origin = {-0.0, 5e-324};
  e.price = {-1999};
  return e;
}

TEST_CASE("a struct of everything users put in events round-trips exactly") {
  const auto original = sample();
  const auto text = to_text(original);
  const auto back = from_text<everything>(text);
  REQUIRE(back);
  CHECK(*back == original);
  CHECK(std::signbit(back->origin.x));  // -0.0 stays negative
  CHECK(to_text(*back) == text);
}

TEST_CASE("the JSON forms are the documented ones") {
  CHECK(to_text(color::deep_blue) == R"("deep_blue")");
  CHECK(to_text(std::optional<int>{}) == "null");
  CHECK(to_text(std::map<int, bool>{{1, true}}) == "[[1,true]]");
  CHECK(to_text(std::chrono::system_clock::time_point(std::chrono::nanoseconds(-5))) == "-5");
  CHECK(to_text(decimal{1234}) == R"("12.34")");
  CHECK(to_text(point{1, 2}) == R"({"x":1E0,"y":2E0})");
  CHECK(to_text(boost::uuids::uuid{}) == R"("00000000-0000-0000-0000-000000000000")");
}

TEST_CASE("extreme floating point values round-trip") {
  for (double x : {std::numeric_limits<double>::max(), std::numeric_limits<double>::lowest(),
                   std::numeric_limits<double>::min(), std::numeric_limits<double>::denorm_min(), 1.0 / 3, 1e21, -0.0}) {
    const auto back = from_text<double>(to_text(x));
    REQUIRE(back);
    CHECK(*back == x);
  }
  CHECK_THROWS_AS(to_text(std::numeric_limits<double>::quiet_NaN()), chronicle::json_encode_error);
  CHECK_THROWS_AS(to_text(std::numeric_limits<double>::infinity()), chronicle::json_encode_error);
}

void check_error(const chronicle::result<everything, decode_error>& r, decode_error::kind what, std::string_view field) {
  REQUIRE(r.has_error());
  CHECK(r.error().what == what);
  CHECK(r.error().field == field);
}

std::string with(std::string_view member, std::string_view json) {
  auto text = to_text(sample());
  const auto key = "\"" + std::string(member) + "\":";
  const auto at = text.find(key) + key.size();
  auto end = at;
  int depth = 0;
  bool quoted = false;
  for (; end < text.size(); ++end) {
    const char c = text[end];
    if (quoted) {
      if (c == '\\') ++end;
      else if (c == '"') quoted = false;
      continue;
    }
    if (c == '"') quoted = true;
    else if (c == '[' || c == '{') ++depth;
    else if (c == ']' || c == '}') {
      if (depth-- == 0) break;
    } else if (c == ',' && depth == 0) break;
  }
  return text.replace(at, end - at, json);
}

TEST_CASE("decode errors say what was wrong and where") {
  using kind = decode_error::kind;
  check_error(from_text<everything>(with("i8", "128")), kind::out_of_range, "i8");
  check_error(from_text<everything>(with("u8", "-1")), kind::out_of_range, "u8");
  check_error(from_text<everything>(with("u64", "18446744073709551616")), kind::out_of_range, "u64");
  check_error(from_text<everything>(with("i32", "1.5")), kind::wrong_type, "i32");
  check_error(from_text<everything>(with("f", "1e300")), kind::out_of_range, "f");
  check_error(from_text<everything>(with("flag", "1")), kind::wrong_type, "flag");
  check_error(from_text<everything>(with("text", "7")), kind::wrong_type, "text");
  check_error(from_text<everything>(with("hue", R"("purple")")), kind::invalid_value, "hue");
  check_error(from_text<everything>(with("id", R"("not-a-uuid")")), kind::invalid_value, "id");
  check_error(from_text<everything>(with("numbers", R"([1,"two"])")), kind::wrong_type, "numbers[1]");
  check_error(from_text<everything>(with("path", R"([{"x":1,"y":2},{"x":"far"}])")), kind::wrong_type, "path[1].x");
  check_error(from_text<everything>(with("path", R"([{"x":1}])")), kind::missing_field, "path[0].y");
  check_error(from_text<everything>(with("by_name", R"({"one":"1"})")), kind::wrong_type, "by_name.one");
  check_error(from_text<everything>(with("by_number", R"([[1]])")), kind::wrong_type, "by_number[0]");
  check_error(from_text<everything>(with("price", R"("12.3")")), kind::invalid_value, "price");
  check_error(from_text<everything>(with("origin", "[]")), kind::wrong_type, "origin");
  check_error(from_text<everything>("[]"), kind::wrong_type, "");
  check_error(from_text<everything>("{}"), kind::missing_field, "flag");
}

TEST_CASE("optional members may be missing; declared defaults fill missing members") {
  auto text = to_text(sample());
  const auto at = text.find(R"("maybe":42,)");
  REQUIRE(at != std::string::npos);
  text.erase(at, std::string_view(R"("maybe":42,)").size());
  const auto back = from_text<everything>(text);
  REQUIRE(back);
  CHECK_FALSE(back->maybe.has_value());

  const auto defaults = from_text<with_defaults>(R"({"a":1})");
  REQUIRE(defaults);
  CHECK(defaults->a == 1);
  CHECK(defaults->b == "kept");
}

TEST_CASE("extra members are ignored, or refused by policy") {
  const auto text = R"({"x":1,"y":2,"z":3})";
  CHECK(from_text<point>(text));
  const auto strict = from_text<point>(text, {.reject_unknown_fields = true});
  REQUIRE(strict.has_error());
  CHECK(strict.error().what == decode_error::kind::unknown_field);
  CHECK(strict.error().field == "z");
  CHECK(chronicle::describe(strict.error()) == "unknown field at 'z': no such field");
}

struct base_part {
  int id = 0;
};
BOOST_DESCRIBE_STRUCT(base_part, (), (id))
struct derived_part : base_part {
  std::string name;
};
BOOST_DESCRIBE_STRUCT(derived_part, (base_part), (name))

TEST_CASE("members of described bases are written and read too") {
  derived_part d;
  d.id = 7;
  d.name = "seven";
  CHECK(to_text(d) == R"({"id":7,"name":"seven"})");
  const auto back = from_text<derived_part>(R"({"id":7,"name":"seven"})");
  REQUIRE(back);
  CHECK(back->id == 7);
}

TEST_CASE("integers written as 1.0 or 1e3 read as integers; fractions and huge values do not") {
  CHECK(from_text<int>("1.0").value() == 1);
  CHECK(from_text<std::uint16_t>("1e3").value() == 1000);
  CHECK(from_text<int>("-2E0").value() == -2);
  CHECK(from_text<int>("1.5").error().what == decode_error::kind::wrong_type);
  CHECK(from_text<int>("1e30").error().what == decode_error::kind::out_of_range);
  CHECK(from_text<std::uint8_t>("-1.0").error().what == decode_error::kind::out_of_range);
}

// A read model serializes the same way: here one shaped like the Order example's per-user lists.
struct listing {
  std::string id;
  int status = 0;
  friend bool operator==(const listing&, const listing&) = default;
};
BOOST_DESCRIBE_STRUCT(listing, (), (id, status))
struct user_lists {
  std::map<std::string, std::vector<listing>> by_user;
  std::unordered_map<std::string, std::size_t> counts;
  friend bool operator==(const user_lists&, const user_lists&) = default;
};
BOOST_DESCRIBE_STRUCT(user_lists, (), (by_user, counts))

TEST_CASE("a read model round-trips") {
  user_lists model;
  model.by_user["alice"] = {{"o1", 1}, {"o2", 3}};
  model.counts["alice"] = 2;
  const auto back = from_text<user_lists>(to_text(model));
  REQUIRE(back);
  CHECK(*back == model);
}

}  // namespace

TEST_CASE("a reused reader forgets a failed document, the text of a number included") {
  chronicle::detail::json_reader reader;
  for (const char* broken : {"{\"x\":-", "[1.", "[1e", "{\"x\":"}) {
    boost::system::error_code ec;
    (void)reader.parse(broken, ec);
    CHECK(ec);
    ec = {};
    const auto next = reader.parse("[2.5, 5e-3]", ec);
    REQUIRE_FALSE(ec);
    CHECK(next.as_array()[0].as_double() == 2.5);
    CHECK(next.as_array()[1].as_double() == 5e-3);
  }
}
