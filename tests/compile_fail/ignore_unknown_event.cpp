// Misuse: ignore<...> names an event that is not in the aggregate's event set.
// Twin: ignore<...> names an event of the set.
#include <chronicle/aggregate.hpp>
#include <chronicle/policy.hpp>

#include <string_view>
#include <variant>

namespace door {
struct Opened {
  static constexpr std::string_view event_name = "Opened";
};
struct Knocked {
  static constexpr std::string_view event_name = "Knocked";
};
// A real event of another aggregate, not of door::event.
struct Painted {
  static constexpr std::string_view event_name = "Painted";
};
using event = std::variant<Opened, Knocked>;

struct state {
  bool open = false;
  void apply(const Opened&) { open = true; }
#ifdef CHRONICLE_COMPILE_FAIL
  void apply(const Knocked&) {}
  using ignored = chronicle::ignore<Painted>;
#else
  using ignored = chronicle::ignore<Knocked>;
#endif
};

using aggregate = chronicle::aggregate<state, event, state::ignored>;
}  // namespace door

void replay(door::state& s, const door::event& e) { door::aggregate::evolve(s, e); }
