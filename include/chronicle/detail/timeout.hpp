#pragma once
// A timeout the clocks can add to "now" without overflowing: `nanoseconds::max()` means "a long time".
#include <chrono>

namespace chronicle {
inline namespace v0 {
namespace detail {

inline std::chrono::nanoseconds bounded(std::chrono::nanoseconds timeout) noexcept {
  constexpr std::chrono::nanoseconds longest = std::chrono::hours(24 * 365 * 100);
  return timeout > longest ? longest : timeout;
}

}  // namespace detail
}  // namespace v0
}  // namespace chronicle
