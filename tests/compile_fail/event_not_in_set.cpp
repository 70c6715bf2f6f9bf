// Misuse: decide() may emit an event that the aggregate's event set does not contain.
// Twin: the same decide() emitting an event of the set.
#include <chronicle/decision.hpp>
#include <chronicle/memory_store.hpp>
#include <chronicle/repository.hpp>

#include <string_view>
#include <variant>

namespace counter {
struct Incremented {
  static constexpr std::string_view event_name = "Incremented";
};
// Named like an event, but not part of counter::event.
struct Reset {
  static constexpr std::string_view event_name = "Reset";
};
using event = std::variant<Incremented>;

struct state {
  int value = 0;
  void apply(const Incremented&) { ++value; }
};

struct Increment {};
struct limit_reached {};

#ifdef CHRONICLE_COMPILE_FAIL
using emitted = Reset;
#else
using emitted = Incremented;
#endif

inline auto decide(const state& s, const Increment&) -> chronicle::decision<limit_reached, emitted> {
  if (s.value >= 10) return limit_reached{};
  return emitted{};
}

using aggregate = chronicle::aggregate<state, event>;
}  // namespace counter

bool increment(chronicle::repository<counter::aggregate, chronicle::memory_store<counter::event>>& counters) {
  return counters.execute("counter-1", counter::Increment{}).has_value();
}
