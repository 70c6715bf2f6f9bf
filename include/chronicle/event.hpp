#pragma once
/// @file
/// @brief Events, their stable names, and event sets (the sum type of a stream's events).
#include <chronicle/detail/diagnostic.hpp>
#include <chronicle/detail/variant.hpp>

#include <array>
#include <concepts>
#include <cstddef>
#include <string_view>
#include <type_traits>
#include <utility>

namespace chronicle {
inline namespace v0 {

/// @brief Customisation point for an event's stable name.
///
/// By default reads `E::event_name`. Specialise it for event types you cannot edit:
/// `template <> struct chronicle::event_traits<Foreign> { static constexpr std::string_view name = "Foreign"; };`
template <class E>
struct event_traits {};

template <class E>
  requires requires {
    { E::event_name } -> std::convertible_to<std::string_view>;
  }
struct event_traits<E> {
  static constexpr std::string_view name = E::event_name;
};

/// @brief An event: a plain struct with a stable name.
template <class E>
concept event = std::is_class_v<E> && !std::is_const_v<E> && !std::is_volatile_v<E> &&
                std::is_move_constructible_v<E> && requires {
                  { event_traits<E>::name } -> std::convertible_to<std::string_view>;
                };

/// @brief The stable name of event type `E`, as declared by the user.
template <event E>
inline constexpr std::string_view event_name_v = event_traits<E>::name;

namespace detail {

template <class E, bool Named = event<E>>
struct event_has_no_stable_name {
  static_assert(holds_for<Named, E>,
                "chronicle: an event type has no stable name; add `static constexpr std::string_view "
                "event_name = \"...\";` to it, or specialise chronicle::event_traits for it");
  static constexpr bool value = Named;
};

template <class... Es>
constexpr std::array<std::string_view, sizeof...(Es)> names_of(boost::mp11::mp_list<Es...>) {
  return {event_traits<Es>::name...};
}

template <class List>
constexpr std::pair<std::size_t, std::size_t> first_duplicate_name() {
  constexpr auto names = names_of(List{});
  for (std::size_t i = 0; i < names.size(); ++i)
    for (std::size_t j = i + 1; j < names.size(); ++j)
      if (names[i] == names[j]) return {i, j};
  return {0, 0};
}

template <class First, class Second, bool Unique>
struct two_events_share_a_name {
  static_assert(holds_for<Unique, First, Second>,
                "chronicle: two events of one event set declare the same event_name; each "
                "event needs its own stable name");
  static constexpr bool value = Unique;
};

template <class E>
using named_event = boost::mp11::mp_bool<event<E>>;

template <class List>
inline constexpr auto names_v = names_of(List{});

// Pure: usable in constant expressions whatever the set holds. The messages come from
// event_set_diagnostics, which only a class-scope static_assert reads (see below).
template <class V>
constexpr bool check_event_set() {
  using list = alternatives<V>;
  if constexpr (boost::mp11::mp_all_of<list, named_event>::value) {
    constexpr auto dup = first_duplicate_name<list>();
    return dup.first == dup.second;
  } else {
    return false;
  }
}

// Instantiating it fires the message for each unnamed event, or for the first two events that share a
// name. Read its `value` only directly in a class-scope static_assert: Clang treats the value of a
// class whose static_assert failed as non-constant, and any further computation with it cascades.
template <class List, bool Named = boost::mp11::mp_all_of<List, named_event>::value>
struct event_set_diagnostics;
template <class... Es>
struct event_set_diagnostics<boost::mp11::mp_list<Es...>, false> : event_has_no_stable_name<Es>... {
  static constexpr bool value = false;
};
template <class List, std::size_t First = first_duplicate_name<List>().first,
          std::size_t Second = first_duplicate_name<List>().second>
struct duplicate_name_diagnostics
    : two_events_share_a_name<boost::mp11::mp_at_c<List, First>, boost::mp11::mp_at_c<List, Second>, First == Second> {};
template <class... Es>
struct event_set_diagnostics<boost::mp11::mp_list<Es...>, true> : duplicate_name_diagnostics<boost::mp11::mp_list<Es...>> {};

}  // namespace detail

/// @brief A stream's events: a `std::variant` or `boost::variant2::variant` of named plain structs.
template <class V>
concept event_set = detail::is_variant<V>::value;

/// @brief The event types of a set, as an Mp11 list.
template <event_set Set>
using events_of = detail::alternatives<Set>;

/// @brief Whether `E` is one of the events of `Set`.
template <class Set, class E>
using contains_event = boost::mp11::mp_contains<events_of<Set>, E>;
template <class Set, class E>
inline constexpr bool contains_event_v = contains_event<Set, E>::value;

/// @brief Checks a set once: every event is named and no two names collide.
/// Instantiated by every store and aggregate, so a bad set fails where it is first used.
template <event_set Set>
inline constexpr bool valid_event_set_v = detail::check_event_set<Set>();

/// @brief The stable name of the event held by `e`.
template <event_set Set>
constexpr std::string_view event_name(const Set& e) {
  if constexpr (requires { e.valueless_by_exception(); }) {
    if (e.valueless_by_exception()) return {};
  }
  return detail::names_v<events_of<Set>>[e.index()];
}

/// @brief The stable name of event `e` (a decision of one event type holds its events as they are).
template <event E>
constexpr std::string_view event_name(const E&) noexcept {
  return event_name_v<E>;
}

/// @brief Calls `f` with the concrete event held by `e` (a switch on the index); with `e` itself
/// where it is one event rather than a set (a decision of one event type holds such).
template <class Set, class F>
  requires event_set<std::remove_cvref_t<Set>> || event<std::remove_cvref_t<Set>>
constexpr decltype(auto) visit_event(Set&& e, F&& f) {
  if constexpr (event<std::remove_cvref_t<Set>>)
    return std::forward<F>(f)(std::forward<Set>(e));
  else
    return detail::visit_alternative(std::forward<Set>(e), std::forward<F>(f));
}

}  // namespace v0
}  // namespace chronicle
