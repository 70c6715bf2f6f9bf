#pragma once
/// @file
/// @brief given / when / then for doctest suites: decide commands and fold projections without a store.
///
/// ```cpp
/// given<order_aggregate>(OrderPlaced{...}).when(ConfirmOrder{"o1"}).then(OrderConfirmed{});
/// given<order_aggregate>().when(ShipOrder{"o1", "T"}).then_error<invalid_transition>();
/// given<order_summary>(on("o1", OrderPlaced{...})).then([](const order_summary& s) { CHECK(s.rows.size() == 1); });
/// ```
/// Failures are doctest check failures reported at the line of `when` (or of a projection's `then`).
/// This is the one header that includes doctest; include it from test files only.
#include <chronicle/aggregate.hpp>
#include <chronicle/envelope.hpp>
#include <chronicle/read_model.hpp>

#include <boost/assert/source_location.hpp>
#include <doctest/doctest.h>

#include <concepts>
#include <cstddef>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

namespace chronicle {
inline namespace v0 {
namespace testing {

/// @brief An event given to a projection, recorded on stream `stream_id`.
template <class E>
struct on_stream {
  std::string stream_id;
  E event;
};
template <class E>
on_stream<E> on(std::string stream_id, E event) {
  return {std::move(stream_id), std::move(event)};
}

namespace detail {

template <class T>
struct is_on_stream : std::false_type {};
template <class E>
struct is_on_stream<on_stream<E>> : std::true_type {};

// boost::source_location rather than std's: Clang 14 with libstdc++ 12 has no <source_location>.
inline void fail(const boost::source_location& where, const std::string& message) {
  DOCTEST_ADD_FAIL_CHECK_AT(where.file_name(), static_cast<int>(where.line()), message);
}

template <class E>
struct events_compared_in_then_need_operator_equal {
  static_assert(std::equality_comparable<E>,
                "chronicle::testing: then() compares events with ==; give the event `friend bool operator==(const E&, "
                "const E&) = default;`");
  static constexpr bool value = true;
};

template <class Variant>
std::string names_of(std::span<const Variant> events) {
  std::string out = "[";
  for (std::size_t i = 0; i < events.size(); ++i) {
    if (i) out += ", ";
    out += std::visit([](const auto& e) { return std::string(event_name_v<std::decay_t<decltype(e)>>); }, events[i]);
  }
  return out + "]";
}

template <class... Es>
std::string names_of() {
  std::string out = "[";
  ((out += (out.size() > 1 ? ", " : "") + std::string(event_name_v<Es>)), ...);
  return out + "]";
}

}  // namespace detail

/// @brief The outcome of `when`: checks on the decision.
template <class Aggregate, class Decision>
class command_outcome {
 public:
  command_outcome(Decision decision, boost::source_location where) : decision_(std::move(decision)), where_(where) {}

  /// @brief The command was accepted and emitted exactly `expected...`, in order, each equal.
  template <class... Es>
  const command_outcome& then(const Es&... expected) const {
    static_assert((detail::events_compared_in_then_need_operator_equal<Es>::value && ...));
    static_assert((boost::mp11::mp_contains<typename Decision::event_types, Es>::value && ...),
                  "chronicle::testing: then() names an event that this command's decide() can never emit");
    const auto events = decision_.events();
    if (decision_.rejected()) {
      detail::fail(where_, "expected events " + detail::names_of<Es...>() + ", but the command was rejected");
    } else if (events.size() != sizeof...(Es)) {
      detail::fail(where_, "expected events " + detail::names_of<Es...>() + ", decided " + detail::names_of(events));
    } else {
      std::size_t i = 0;
      ((check_event(events[i], expected, i + 1), ++i), ...);
    }
    return *this;
  }

  /// @brief The command was rejected with an error of type `E` (the error type, or one alternative of
  /// it); `check(const E&)`, if given, must return true.
  template <class E, class Check = std::nullptr_t>
  const command_outcome& then_error(Check check = nullptr) const {
    if (!decision_.rejected()) {
      detail::fail(where_, "expected a rejection, but the command was accepted with " +
                               detail::names_of(decision_.events()));
      return *this;
    }
    using error_type = typename Decision::error_type;
    const E* error = nullptr;
    if constexpr (std::is_same_v<E, error_type>) {
      error = &decision_.error();
    } else {
      static_assert(chronicle::detail::is_variant<error_type>::value &&
                        boost::mp11::mp_contains<chronicle::detail::alternatives<error_type>, E>::value,
                    "chronicle::testing: then_error<E>() needs E to be the command's error type or one of its "
                    "alternatives");
      error = get_if<E>(&decision_.error());  // std::get_if or variant2::get_if, by ADL
    }
    if (error == nullptr)
      detail::fail(where_, "the command was rejected with another error than the one expected");
    else if constexpr (!std::is_same_v<Check, std::nullptr_t>)
      if (!check(*error)) detail::fail(where_, "the rejection's error did not pass the check");
    return *this;
  }

  /// @brief The command was accepted and emitted nothing.
  const command_outcome& then_nothing() const {
    if (decision_.rejected())
      detail::fail(where_, "expected no events, but the command was rejected");
    else if (!decision_.events().empty())
      detail::fail(where_, "expected no events, decided " + detail::names_of(decision_.events()));
    return *this;
  }

  [[nodiscard]] const Decision& decision() const noexcept { return decision_; }

 private:
  template <class Variant, class E>
  void check_event(const Variant& actual, const E& expected, std::size_t index) const {
    const auto* held = std::get_if<E>(&actual);
    const std::string at = "event " + std::to_string(index) + ": ";
    if (held == nullptr)
      detail::fail(where_, at + "expected " + std::string(event_name_v<E>) + ", decided " +
                               detail::names_of(std::span<const Variant>(&actual, 1)));
    else if (!(*held == expected))
      detail::fail(where_, at + std::string(event_name_v<E>) + " differs from the expected one");
  }

  Decision decision_;
  boost::source_location where_;
};

/// @brief An aggregate's state after the given events.
template <class Aggregate>
class aggregate_scenario {
 public:
  explicit aggregate_scenario(typename Aggregate::state_type state) : state_(std::move(state)) {}

  template <class Command>
  auto when(const Command& command, boost::source_location where = BOOST_CURRENT_LOCATION) const {
    using decision_type = decltype(Aggregate::decide(state_, command));
    return command_outcome<Aggregate, decision_type>(Aggregate::decide(state_, command), where);
  }

  [[nodiscard]] const typename Aggregate::state_type& state() const noexcept { return state_; }

 private:
  typename Aggregate::state_type state_;
};

/// @brief A projection after the given events.
template <class Projection>
class projection_scenario {
 public:
  explicit projection_scenario(Projection projection) : projection_(std::move(projection)) {}

  /// @brief `check(const P&)`: doctest checks inside it, or a bool that must be true.
  template <class Check>
    requires std::invocable<Check&, const Projection&>
  const projection_scenario& then(Check check, boost::source_location where = BOOST_CURRENT_LOCATION) const {
    if constexpr (std::is_same_v<std::invoke_result_t<Check&, const Projection&>, bool>) {
      if (!check(std::as_const(projection_))) detail::fail(where, "the projection did not pass the check");
    } else {
      check(std::as_const(projection_));
    }
    return *this;
  }

  [[nodiscard]] const Projection& projection() const noexcept { return projection_; }

 private:
  Projection projection_;
};

namespace detail {
template <class Projection, class E>
void deliver(Projection& projection, const E& event, const envelope& meta) {
  static_assert(boost::mp11::mp_contains<typename Projection::handles, E>::value,
                "chronicle::testing: a given event is not in the projection's `handles`");
  if constexpr (chronicle::detail::handles_with_envelope<Projection, E>)
    projection.when(event, meta);
  else
    projection.when(event);
}

}  // namespace detail

/// @brief Starts a scenario: `T` is an aggregate (then `events` are its events) or a projection (then
/// each is an event, recorded on stream "given", or `on(stream_id, event)`).
template <class T, class... Events>
auto given(const Events&... events) {
  if constexpr (requires { typename T::state_type; }) {
    typename T::state_type state{};
    (T::evolve(state, events), ...);
    return aggregate_scenario<T>(std::move(state));
  } else {
    static_assert(projection<T>, "chronicle::testing: given<T> needs an aggregate or a projection");
    T projection{};
    std::uint64_t position = 0;
    auto feed = [&](const auto& given_event) {
      envelope meta;
      meta.position = ++position;
      meta.version = position;
      meta.recorded_at = clock::now();
      if constexpr (detail::is_on_stream<std::decay_t<decltype(given_event)>>::value) {
        meta.stream_id = given_event.stream_id;
        detail::deliver(projection, given_event.event, meta);
      } else {
        meta.stream_id = "given";
        detail::deliver(projection, given_event, meta);
      }
    };
    (feed(events), ...);
    return projection_scenario<T>(std::move(projection));
  }
}

}  // namespace testing
}  // namespace v0
}  // namespace chronicle
