// Misuse: a test's then() names an event that the command's decide() can never emit.
// Twin: the same test naming the event it emits.
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

inline auto decide(const state& s, const Increment&) -> chronicle::decision<limit_reached, Incremented> {
  if (s.value >= 10) return limit_reached{};
  return Incremented{};
}

using aggregate = chronicle::aggregate<state, event>;
}  // namespace counter

void increments() {
#ifdef CHRONICLE_COMPILE_FAIL
  chronicle::testing::given<counter::aggregate>().when(counter::Increment{}).then(counter::Reset{});
#else
  chronicle::testing::given<counter::aggregate>().when(counter::Increment{}).then(counter::Incremented{});
#endif
}
