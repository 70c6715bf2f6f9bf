// Misuse: two events of one set declare the same event_name, so a stored name is ambiguous.
// Twin: each event has its own name.
#include <chronicle/memory_store.hpp>

#include <cstdint>
#include <string_view>
#include <variant>

namespace account {
struct Deposited {
  static constexpr std::string_view event_name = "Deposited";
};
struct Withdrawn {
#ifdef CHRONICLE_COMPILE_FAIL
  static constexpr std::string_view event_name = "Deposited";  // copied and pasted, never renamed
#else
  static constexpr std::string_view event_name = "Withdrawn";
#endif
};
using event = std::variant<Deposited, Withdrawn>;
}  // namespace account

std::uint64_t head(const chronicle::memory_store<account::event>& store) { return store.head_position(); }
