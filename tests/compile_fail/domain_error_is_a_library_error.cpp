// Misuse: a command's domain error is one of chronicle's own errors, so the command's error variant
// would hold that type twice and `std::get` on it could not tell a rejection from a store failure.
// Twin: the same command with an error type of the domain.
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
#ifdef CHRONICLE_COMPILE_FAIL
using rejection = chronicle::stream_not_found;
#else
struct rejection {};
#endif

inline auto decide(const state& s, const Increment&) -> chronicle::decision<rejection, Incremented> {
  if (s.value >= 10) return rejection{};
  return Incremented{};
}

using aggregate = chronicle::aggregate<state, event>;
}  // namespace counter

bool increment(chronicle::repository<counter::aggregate, chronicle::memory_store<counter::event>>& counters) {
  return counters.execute("counter-1", counter::Increment{}).has_value();
}
