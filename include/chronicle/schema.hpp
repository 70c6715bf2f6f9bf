#pragma once
/// @file
/// @brief Schema versions of events and compile-time upcaster chains (the reference's failure case 4).
///
/// The current type of an event declares its version and its predecessor; each older type declares
/// its own version and predecessor; a free `upcast(Old) -> Next` (found by ADL) turns each into the
/// next. Code only ever sees current types: stores' decoders upcast old payloads on the way in.
///
/// ```cpp
/// struct OrderPlaced_v1 { static constexpr std::string_view event_name = "OrderPlaced"; std::string product_id; };
/// struct OrderPlaced {
///   static constexpr std::string_view event_name = "OrderPlaced";
///   static constexpr int schema_version = 2;
///   using previous_version = OrderPlaced_v1;
///   product_ref product;
/// };
/// OrderPlaced upcast(OrderPlaced_v1 old);
/// ```
#include <chronicle/detail/diagnostic.hpp>
#include <chronicle/event.hpp>

#include <boost/mp11/algorithm.hpp>
#include <boost/mp11/list.hpp>

#include <cstdint>
#include <type_traits>
#include <utility>

namespace chronicle {
inline namespace v0 {

/// @brief An event type's schema version: `E::schema_version`, or 1.
template <class E>
inline constexpr std::uint32_t event_schema_version_v = [] {
  if constexpr (requires { E::schema_version; })
    return static_cast<std::uint32_t>(E::schema_version);
  else
    return std::uint32_t{1};
}();

namespace detail {

template <class E>
struct version_chain {
  using type = boost::mp11::mp_list<E>;
};
template <class E>
  requires requires { typename E::previous_version; }
struct version_chain<E> {
  using type = boost::mp11::mp_push_back<typename version_chain<typename E::previous_version>::type, E>;
};

// Ordinary lookup finds no `upcast` here, so this is ADL on the old type: upcasters live beside it.
template <class Old>
concept upcastable = requires(Old&& old) { upcast(std::move(old)); };

template <class Old>
auto call_upcast(Old&& old) {
  return upcast(std::move(old));
}

template <class Old, class Next>
inline constexpr bool link_holds = [] {
  if constexpr (upcastable<Old>)
    return std::is_same_v<decltype(call_upcast(std::declval<Old>())), Next> &&
           event_schema_version_v<Old> + 1 == event_schema_version_v<Next> && event_name_v<Old> == event_name_v<Next>;
  else
    return false;
}();

// The versions are template arguments so that the compiler's "in instantiation of" line shows them.
template <class Event, class Old, class Next, std::uint32_t FromVersion = event_schema_version_v<Old>,
          std::uint32_t ToVersion = event_schema_version_v<Next>, bool Ok = link_holds<Old, Next>>
struct upcaster_chain_has_a_missing_link {
  static_assert(holds_for<Ok, Old, Next>,
                "chronicle: an event's upcaster chain has a missing link: the older type needs a free "
                "`Next upcast(Old)` found by ADL, a schema_version one below the next type's, and the same "
                "event_name");
  static constexpr bool value = Ok;
};

// One base per link, each firing its own message; `value` is computed apart from them (read it only
// in a static_assert).
template <class Event, class Olds, class Nexts>
struct chain_diagnostics;
template <class Event, class... Olds, class... Nexts>
struct chain_diagnostics<Event, boost::mp11::mp_list<Olds...>, boost::mp11::mp_list<Nexts...>>
    : upcaster_chain_has_a_missing_link<Event, Olds, Nexts>... {
  static constexpr bool value = (link_holds<Olds, Nexts> && ...);
};

template <class Olds, class Nexts>
inline constexpr bool links_hold = false;
template <class... Olds, class... Nexts>
inline constexpr bool links_hold<boost::mp11::mp_list<Olds...>, boost::mp11::mp_list<Nexts...>> =
    (link_holds<Olds, Nexts> && ...);

}  // namespace detail

/// @brief Every type `E` has been, oldest first, ending with `E`.
template <class E>
using versions_of = typename detail::version_chain<E>::type;

/// @brief Checks each link of `E`'s chain; read `::value` in a static_assert (a broken link is a
/// compile error naming the event and the two types).
template <class E>
using check_upcaster_chain =
    detail::chain_diagnostics<E, boost::mp11::mp_pop_back<versions_of<E>>, boost::mp11::mp_pop_front<versions_of<E>>>;

/// @brief Whether every link of `E`'s chain holds (a plain value, safe to branch on where the
/// diagnostics above already report a broken link).
template <class E>
inline constexpr bool upcaster_chain_holds =
    detail::links_hold<boost::mp11::mp_pop_back<versions_of<E>>, boost::mp11::mp_pop_front<versions_of<E>>>;

/// @brief Upcasts `old` (a type on `Current`'s chain) step by step to `Current`.
template <class Current, class Old>
Current upcast_to(Old&& old) {
  using plain = std::remove_cvref_t<Old>;
  if constexpr (std::is_same_v<plain, Current>)
    return std::forward<Old>(old);
  else
    return upcast_to<Current>(detail::call_upcast(plain(std::forward<Old>(old))));
}

}  // namespace v0
}  // namespace chronicle
