#pragma once
/// @file
/// @brief What `decide` returns: the events a command produces, or the domain error that rejects it.
#include <boost/mp11/algorithm.hpp>

#include <cassert>
#include <concepts>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace chronicle {
inline namespace v0 {

/// @brief The error type of a decision that never rejects: `decision<no_error, Deposited>`.
struct no_error {
  friend constexpr bool operator==(no_error, no_error) noexcept { return true; }
  /// So that `describe()` of a whole `command_error<no_error>` compiles: never the error held.
  friend std::string describe(no_error) { return "no error"; }
};

namespace detail {
// A decision's events: the first in place (most commands emit one, and then nothing is allocated),
// all of them on the heap from the second on. Kept this small because every command's event type
// instantiates one.
template <class T>
class event_buffer {
 public:
  // The first event, into an empty buffer: no vector code is compiled for a command that emits one.
  template <class... A>
  void emplace_first(A&&... a) {
    first_.emplace(std::forward<A>(a)...);
  }
  template <class... A>
  void emplace(A&&... a) {
    if (!first_ && many_.empty()) return emplace_first(std::forward<A>(a)...);
    if (first_) {
      T next(std::forward<A>(a)...);  // before the first moves: `a` may be it
      many_.reserve(4);
      many_.push_back(std::move(*first_));
      first_.reset();
      many_.push_back(std::move(next));
      return;
    }
    many_.emplace_back(std::forward<A>(a)...);
  }
  [[nodiscard]] std::span<const T> view() const noexcept {
    return first_ ? std::span<const T>(&*first_, 1) : std::span<const T>(many_.data(), many_.size());
  }
  [[nodiscard]] std::span<T> view() noexcept {
    return first_ ? std::span<T>(&*first_, 1) : std::span<T>(many_.data(), many_.size());
  }

 private:
  std::optional<T> first_;
  std::vector<T> many_;
};
}  // namespace detail

/// @brief The outcome of deciding a command: zero or more events of `Events...`, or an `Error`.
///
/// ```cpp
/// auto decide(const order& s, const CancelOrder& c) -> chronicle::decision<order_error, OrderCancelled> {
///   if (s.status == order_status::shipped) return invalid_transition{s.status, order_status::cancelled};
///   return OrderCancelled{c.reason};
/// }
/// ```
/// The listed event types are a compile-time fact: the aggregate checks each is in its event set.
/// `events()` holds `event_type`s: the event itself for a decision of one event type, else a
/// `std::variant<Events...>`; `visit_event` takes either.
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
  using event_type = std::conditional_t<sizeof...(Events) == 1, boost::mp11::mp_first<event_types>, std::variant<Events...>>;

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
    if constexpr (sizeof...(Events) == 1)
      events_.emplace_first(std::forward<E>(e));
    else
      events_.emplace_first(std::in_place_type<std::remove_cvref_t<E>>, std::forward<E>(e));
  }

  /// @brief Adds an event after those already emitted; they are applied in this order.
  template <class E>
    requires boost::mp11::mp_contains<event_types, std::remove_cvref_t<E>>::value
  decision& emit(E&& e) & {
    assert(!rejected() && "chronicle: emit() on a rejected decision");
    add(std::forward<E>(e));
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
  [[nodiscard]] std::span<const event_type> events() const noexcept { return events_.view(); }
  [[nodiscard]] std::span<event_type> events() noexcept { return events_.view(); }

 private:
  template <class E>
  void add(E&& e) {
    if constexpr (sizeof...(Events) == 1)
      events_.emplace(std::forward<E>(e));
    else
      events_.emplace(std::in_place_type<std::remove_cvref_t<E>>, std::forward<E>(e));
  }

  std::optional<Error> error_;
  detail::event_buffer<event_type> events_;
};

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
