// Misuse: the state has no apply() for an event of its set, and does not list it in ignore<...>.
// Twin: the state applies every event.
#include <chronicle/aggregate.hpp>

#include <string_view>
#include <variant>

namespace door {
struct Opened {
  static constexpr std::string_view event_name = "Opened";
};
struct Closed {
  static constexpr std::string_view event_name = "Closed";
};
using event = std::variant<Opened, Closed>;

struct state {
  bool open = false;
  void apply(const Opened&) { open = true; }
#ifndef CHRONICLE_COMPILE_FAIL
  void apply(const Closed&) { open = false; }
#endif
};

using aggregate = chronicle::aggregate<state, event>;
}  // namespace door

void replay(door::state& s, const door::event& e) { door::aggregate::evolve(s, e); }
