// Misuse: a repository executes a command for which no decide(const State&, const Command&) exists.
// Twin: the same command with its decide().
#include <chronicle/decision.hpp>
#include <chronicle/memory_store.hpp>
#include <chronicle/repository.hpp>

#include <string_view>
#include <variant>

namespace counter {
struct Incremented {
  static constexpr std::string_view event_name = "Incremented";
};
using event = std::variant<Incremented>;

struct state {
  int value = 0;
  void apply(const Incremented&) { ++value; }
};

struct Increment {};
struct limit_reached {};

#ifndef CHRONICLE_COMPILE_FAIL
inline auto decide(const state& s, const Increment&) -> chronicle::decision<limit_reached, Incremented> {
  if (s.value >= 10) return limit_reached{};
  return Incremented{};
}
#endif

using aggregate = chronicle::aggregate<state, event>;
}  // namespace counter

bool increment(chronicle::repository<counter::aggregate, chronicle::memory_store<counter::event>>& counters) {
  return counters.execute("counter-1", counter::Increment{}).has_value();
}
