// A counter aggregate, as a user writes it against an installed chronicle.
#include <chronicle/chronicle.hpp>

#include <cstdlib>
#include <iostream>
#include <string_view>
#include <variant>

namespace counter {
struct Incremented {
  static constexpr std::string_view event_name = "counter.incremented";
};
using event = std::variant<Incremented>;

struct state {
  int value = 0;
  void apply(const Incremented&) { ++value; }
};

struct Increment {};
struct limit_reached {};

auto decide(const state& s, const Increment&) -> chronicle::decision<limit_reached, Incremented> {
  if (s.value >= 2) return limit_reached{};
  return Incremented{};
}

using aggregate = chronicle::aggregate<state, event>;
}  // namespace counter

int main() {
  chronicle::memory_store<counter::event> store;
  chronicle::repository<counter::aggregate, chronicle::memory_store<counter::event>> counters{store};

  const bool first = counters.execute("c-1", counter::Increment{}).has_value();
  const bool second = counters.execute("c-1", counter::Increment{}).has_value();
  const bool third = counters.execute("c-1", counter::Increment{}).has_value();  // over the limit
  const auto loaded = counters.load("c-1").value();

  const bool ok = first && second && !third && loaded.state.value == 2 && loaded.version == 2;
  std::cout << "find_package consumer: counter at " << loaded.state.value << ", version " << loaded.version
            << (ok ? ": ok\n" : ": WRONG\n");
  return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
