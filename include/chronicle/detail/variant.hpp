#pragma once
// Index-based access to std::variant and boost::variant2::variant alike.
#include <boost/mp11/algorithm.hpp>
#include <boost/mp11/list.hpp>

#include <cstddef>
#include <type_traits>
#include <utility>
#include <variant>

// Declared, not included: a program whose events are a boost::variant2::variant includes its header
// anyway, and one on std::variant does not pay for it (0.8 s and 90 MiB of GCC's memory per file).
namespace boost::variant2 {
template <class... T>
class variant;
template <std::size_t I>
struct in_place_index_t;
}  // namespace boost::variant2

namespace chronicle {
inline namespace v0 {
namespace detail {

template <class V>
struct is_variant : std::false_type {};
template <class... Ts>
struct is_variant<std::variant<Ts...>> : std::true_type {};
template <class... Ts>
struct is_variant<boost::variant2::variant<Ts...>> : std::true_type {};

// The alternatives of either variant as one flat list, computed once per set.
template <class V>
using alternatives = boost::mp11::mp_rename<V, boost::mp11::mp_list>;

// Unqualified get_if finds std::get_if or variant2::get_if by ADL (C++20 allows
// ADL with explicit template arguments).
template <std::size_t I, class V>
constexpr decltype(auto) unchecked_get(V&& v) noexcept {
  return *get_if<I>(&v);
}

// Dispatch on the held index with a switch (Mp11's halving mp_with_index), so a
// visit is a jump, never a chain of comparisons.
template <class V, class F>
constexpr decltype(auto) visit_alternative(V&& v, F&& f) {
  using plain = std::remove_cvref_t<V>;
  if constexpr (requires { v.valueless_by_exception(); }) {
    if (v.valueless_by_exception()) throw std::bad_variant_access{};
  }
  return boost::mp11::mp_with_index<boost::mp11::mp_size<alternatives<plain>>::value>(
      v.index(), [&](auto index) -> decltype(auto) {
        return std::forward<F>(f)(unchecked_get<index>(std::forward<V>(v)));
      });
}

// `e` as an alternative of the variant `V`, constructed in place: no converting constructor resolving
// an overload set against every alternative, which costs compile time per event type.
template <class V, class E>
V into_set(E&& e) {
  constexpr std::size_t index = boost::mp11::mp_find<alternatives<V>, std::remove_cvref_t<E>>::value;
  if constexpr (requires { std::variant_size<V>::value; })
    return V(std::in_place_index<index>, std::forward<E>(e));
  else
    return V(boost::variant2::in_place_index_t<index>{}, std::forward<E>(e));
}

}  // namespace detail
}  // namespace v0
}  // namespace chronicle
