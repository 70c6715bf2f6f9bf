#pragma once
// The condition of chronicle's static_asserts. `holds_for<Ok, Types...>` is `Ok`; the types only ride
// along, so that both compilers name them on the error's first lines: Clang prints the condition in
// its error line ("static_assert failed due to requirement 'holds_for<false, door::state, ...>'"),
// GCC in the note right after it. A plain `static_assert(Ok, ...)` shows them only in the notes.

namespace chronicle {
inline namespace v0 {
namespace detail {

template <bool Ok, class... Offending>
inline constexpr bool holds_for = Ok;

}  // namespace detail
}  // namespace v0
}  // namespace chronicle
