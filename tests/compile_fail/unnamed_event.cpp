// Misuse: an event of the set has no stable name (no event_name, no event_traits specialisation).
// Twin: the event declares its name.
#include <chronicle/memory_store.hpp>

#include <cstdint>
#include <string_view>
#include <variant>

namespace account {
struct Deposited {
  static constexpr std::string_view event_name = "Deposited";
};
struct Withdrawn {
#ifndef CHRONICLE_COMPILE_FAIL
  static constexpr std::string_view event_name = "Withdrawn";
#endif
  long cents = 0;
};
using event = std::variant<Deposited, Withdrawn>;
}  // namespace account

std::uint64_t head(const chronicle::memory_store<account::event>& store) { return store.head_position(); }
