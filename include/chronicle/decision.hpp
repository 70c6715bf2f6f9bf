#pragma once
/// @file
/// @brief What `decide` returns: the events a command produces, or the domain error that rejects it.
#include <boost/container/small_vector.hpp>
#include <boost/mp11/algorithm.hpp>

#include <cassert>
#include <concepts>
#include <optional>
#include <span>
#include <type_traits>
#include <utility>
#include <variant>

namespace chronicle {
inline namespace v0 {

/// @brief The error type of a decision that never rejects: `decision<no_error, Deposited>`.
struct no_error {
  friend constexpr bool operator==(no_error, no_error) noexcept { return true; }
};

// GCC 12 reports small_vector's move constructor, inlined into decision's implicit one, as reading past
// the single inline element (-Wstringop-overread, once optimising). A false positive: that copy runs
// only while the events sit in the inline slot, so it copies at most one. Diagnostics for inlined code
// honour a pragma at any function they were inlined from; the implicit move constructor's location is
// `class decision`, so the suppression spans the class and no more.
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 11
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wstringop-overread"
#endif
/// @brief The outcome of deciding a command: zero or more events of `Events...`, or an `Error`.
///
/// ```cpp
/// auto decide(const order& s, const CancelOrder& c) -> chronicle::decision<order_error, OrderCancelled> {
///   if (s.status == order_status::shipped) return invalid_transition{s.status, order_status::cancelled};
///   return OrderCancelled{c.reason};
/// }
/// ```
/// The listed event types are a compile-time fact: the aggregate checks each is in its event set.
template <class Error, class... Events>
class decision {
  static_assert(sizeof...(Events) > 0, "chronicle: a decision lists the event types it may emit");
  static_assert(boost::mp11::mp_is_set<boost::mp11::mp_list<Events...>>::value,
                "chronicle: a decision lists each event type once");
  static_assert(!boost::mp11::mp_contains<boost::mp11::mp_list<Events...>, Error>::value,
                "chronicle: a decision's error type must differ from its event types");

 public:
  using error_type = Error;
  using event_types = boost::mp11::mp_list<Events...>;
  using event_type = std::variant<Events...>;

  /// @brief Accepts the command and emits nothing.
  decision() = default;
  /// @brief Rejects the command (with an `Error`, or anything that converts to one).
  template <class E>
    requires std::convertible_to<E, Error> &&
             (!boost::mp11::mp_contains<event_types, std::remove_cvref_t<E>>::value)
  decision(E&& error) : error_(std::in_place, std::forward<E>(error)) {}  // NOLINT: implicit by design
  /// @brief Accepts the command with one event.
  template <class E>
    requires boost::mp11::mp_contains<event_types, std::remove_cvref_t<E>>::value
  decision(E&& e) {  // NOLINT: implicit by design
    events_.emplace_back(std::in_place_type<std::remove_cvref_t<E>>, std::forward<E>(e));
  }

  /// @brief Adds an event after those already emitted; they are applied in this order.
  template <class E>
    requires boost::mp11::mp_contains<event_types, std::remove_cvref_t<E>>::value
  decision& emit(E&& e) & {
    assert(!rejected() && "chronicle: emit() on a rejected decision");
    events_.emplace_back(std::in_place_type<std::remove_cvref_t<E>>, std::forward<E>(e));
    return *this;
  }
  template <class E>
    requires boost::mp11::mp_contains<event_types, std::remove_cvref_t<E>>::value
  decision&& emit(E&& e) && {
    return std::move(emit(std::forward<E>(e)));
  }

  [[nodiscard]] bool rejected() const noexcept { return error_.has_value(); }
  /// @brief The error; only valid when `rejected()`.
  [[nodiscard]] const Error& error() const& { return *error_; }
  [[nodiscard]] Error&& error() && { return std::move(*error_); }
  /// @brief The events in emission order; empty when rejected or when nothing happened.
  [[nodiscard]] std::span<const event_type> events() const noexcept { return {events_.data(), events_.size()}; }
  [[nodiscard]] std::span<event_type> events() noexcept { return {events_.data(), events_.size()}; }

 private:
  std::optional<Error> error_;
  // One inline slot: most commands emit a single event, and then no allocation happens.
  boost::container::small_vector<event_type, 1> events_;
};
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 11
#pragma GCC diagnostic pop
#endif

namespace detail {
template <class T>
struct is_decision : std::false_type {};
template <class Error, class... Events>
struct is_decision<decision<Error, Events...>> : std::true_type {};
}  // namespace detail

/// @brief Any `chronicle::decision<...>`.
template <class T>
concept a_decision = detail::is_decision<std::remove_cvref_t<T>>::value;

}  // namespace v0
}  // namespace chronicle
