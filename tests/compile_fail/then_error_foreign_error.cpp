// Misuse: a test's then_error<E>() names an error that is not the command's.
// Twin: the same test naming the error decide() returns.
#include <chronicle/testing.hpp>

#include <string_view>
#include <variant>

namespace counter {
struct Incremented {
  static constexpr std::string_view event_name = "Incremented";
  friend bool operator==(const Incremented&, const Incremented&) = default;
};
struct Reset {
  static constexpr std::string_view event_name = "Reset";
  friend bool operator==(const Reset&, const Reset&) = default;
};
using event = std::variant<Incremented, Reset>;

struct state {
  int value = 0;
  void apply(const Incremented&) { ++value; }
  void apply(const Reset&) { value = 0; }
};

struct Increment {};
struct limit_reached {};
struct overflow {};

inline auto decide(const state& s, const Increment&) -> chronicle::decision<limit_reached, Incremented> {
  if (s.value >= 10) return limit_reached{};
  return Incremented{};
}

using aggregate = chronicle::aggregate<state, event>;
}  // namespace counter

void increments() {
  auto outcome = chronicle::testing::given<counter::aggregate>(counter::Incremented{}).when(counter::Increment{});
#ifdef CHRONICLE_COMPILE_FAIL
  outcome.then_error<counter::overflow>();
#else
  outcome.then_error<counter::limit_reached>();
#endif
}
