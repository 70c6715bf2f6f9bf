#include <chronicle/event.hpp>

#include <doctest/doctest.h>

#include <boost/variant2/variant.hpp>

#include <string>
#include <variant>

namespace {

struct Opened {
  static constexpr std::string_view event_name = "Opened";
  int id = 0;
};
struct Closed {
  static constexpr std::string_view event_name = "Closed";
};
struct Foreign {  // a type we pretend not to own: named through event_traits
  std::string payload;
};

}  // namespace

template <>
struct chronicle::event_traits<Foreign> {
  static constexpr std::string_view name = "ForeignThing";
};

namespace {

using std_set = std::variant<Opened, Closed, Foreign>;
using boost_set = boost::variant2::variant<Opened, Closed, Foreign>;

static_assert(chronicle::event_set<std_set>);
static_assert(chronicle::event_set<boost_set>);
static_assert(!chronicle::event_set<Opened>);
static_assert(chronicle::valid_event_set_v<std_set>);
static_assert(chronicle::valid_event_set_v<boost_set>);
static_assert(chronicle::event_name_v<Opened> == "Opened");
static_assert(chronicle::event_name_v<Foreign> == "ForeignThing");
static_assert(chronicle::contains_event_v<std_set, Closed>);
static_assert(!chronicle::contains_event_v<std_set, int>);

TEST_CASE_TEMPLATE("an event set names the event it holds", Set, std_set, boost_set) {
  Set e = Closed{};
  CHECK(chronicle::event_name(e) == "Closed");
  e = Foreign{"x"};
  CHECK(chronicle::event_name(e) == "ForeignThing");
}

TEST_CASE_TEMPLATE("visit_event calls the handler for the held alternative", Set, std_set, boost_set) {
  Set e = Opened{7};
  int seen = 0;
  chronicle::visit_event(e, [&](const auto& concrete) {
    if constexpr (std::is_same_v<std::decay_t<decltype(concrete)>, Opened>) seen = concrete.id;
  });
  CHECK(seen == 7);
  const auto name = chronicle::visit_event(Set{Closed{}}, [](const auto& concrete) {
    return chronicle::event_name_v<std::decay_t<decltype(concrete)>>;
  });
  CHECK(name == "Closed");
}

struct Throws {
  static constexpr std::string_view event_name = "Throws";
  Throws() = default;
  Throws(const Throws&) { throw 1; }
  Throws& operator=(const Throws&) { throw 1; }
};

TEST_CASE("a valueless std::variant is reported, never dispatched") {
  std::variant<Opened, Throws> e = Opened{};
  try {
    e = Throws{};  // copy throws, leaves e valueless
  } catch (int) {
  }
  if (e.valueless_by_exception()) {
    CHECK(chronicle::event_name(e).empty());
    CHECK_THROWS_AS(chronicle::visit_event(e, [](const auto&) {}), std::bad_variant_access);
  }
}

}  // namespace
