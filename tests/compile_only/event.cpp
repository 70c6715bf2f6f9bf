// Type-level facts of chronicle/event.hpp: what counts as an event and an event set, and their names.
#include <chronicle/event.hpp>

#include <boost/variant2/variant.hpp>

#include <string_view>
#include <tuple>
#include <variant>

namespace {

struct Opened {
  static constexpr std::string_view event_name = "door.opened";
};
struct Closed {
  static constexpr std::string_view event_name = "door.closed";
};
struct Unnamed {};
// A type the user cannot edit, named through the customisation point instead.
struct Foreign {};

using std_set = std::variant<Opened, Closed>;
using variant2_set = boost::variant2::variant<Opened, Closed>;

}  // namespace

template <>
struct chronicle::event_traits<Foreign> {
  static constexpr std::string_view name = "foreign.thing";
};

// An event is a named plain class.
static_assert(chronicle::event<Opened>);
static_assert(chronicle::event<Foreign>);
static_assert(!chronicle::event<Unnamed>);
static_assert(!chronicle::event<int>);
static_assert(!chronicle::event<const Opened>);

// Its name is the declared string, from `event_name` or from `event_traits`.
static_assert(chronicle::event_name_v<Opened> == "door.opened");
static_assert(chronicle::event_name_v<Closed> == "door.closed");
static_assert(chronicle::event_name_v<Foreign> == "foreign.thing");

// An event set is a std::variant or a boost::variant2::variant, nothing else.
static_assert(chronicle::event_set<std_set>);
static_assert(chronicle::event_set<variant2_set>);
static_assert(!chronicle::event_set<std::tuple<Opened, Closed>>);
static_assert(!chronicle::event_set<Opened>);

static_assert(std::is_same_v<chronicle::events_of<std_set>, boost::mp11::mp_list<Opened, Closed>>);
static_assert(std::is_same_v<chronicle::events_of<variant2_set>, boost::mp11::mp_list<Opened, Closed>>);
static_assert(chronicle::contains_event_v<std_set, Closed>);
static_assert(!chronicle::contains_event_v<std_set, Foreign>);

static_assert(chronicle::valid_event_set_v<std_set>);
static_assert(chronicle::valid_event_set_v<variant2_set>);
static_assert(chronicle::valid_event_set_v<std::variant<Opened, Foreign>>);

// The held event's name, at compile time, for either kind of variant.
static_assert(chronicle::event_name(std_set{Closed{}}) == "door.closed");
static_assert(chronicle::event_name(variant2_set{Opened{}}) == "door.opened");
