#pragma once
/// @file
/// @brief given / when / then for doctest suites: decide commands and fold projections without a store.
///
/// ```cpp
/// given<order_aggregate>(OrderPlaced{...}).when(ConfirmOrder{"o1"}).then(OrderConfirmed{});
/// given<order_aggregate>().when(ShipOrder{"o1", "T"}).then_error<invalid_transition>();
/// given<order_summary>(on("o1", OrderPlaced{...})).then([](const order_summary& s) { CHECK(s.rows.size() == 1); });
/// ```
/// Each check is one doctest assertion at the line of `when` (or of a projection's `then`): a passing
/// one counts as a passed assertion, a failing one says what differs and prints the expected and the
/// decided events and errors with their values (see detail/print.hpp: `operator<<` where the type has
/// one, its fields where it is described with Boost.Describe, its name otherwise).
/// This is the one header that includes doctest; include it from test files only.
#include <chronicle/aggregate.hpp>
#include <chronicle/detail/diagnostic.hpp>
#include <chronicle/detail/print.hpp>
#include <chronicle/detail/variant.hpp>
#include <chronicle/envelope.hpp>
#include <chronicle/read_model.hpp>

#include <boost/assert/source_location.hpp>
#include <boost/describe/members.hpp>
#include <boost/mp11/algorithm.hpp>
#include <doctest/doctest.h>

#include <concepts>
#include <cstddef>
#include <ostream>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
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

// Each helper is one doctest assertion, reported at the caller's line: a passing one counts like a
// CHECK (and shows under --success, with what was decided); a failing one says what happened.
// boost::source_location rather than std's: Clang 14 with libstdc++ 12 has no <source_location>.
template <class Outcome>
void pass([[maybe_unused]] const boost::source_location& where, [[maybe_unused]] const char* check,
          [[maybe_unused]] const Outcome& print_outcome) {
#ifndef DOCTEST_CONFIG_DISABLE
  if (!doctest::is_running_in_test) return;  // as doctest's CHECK: a pass outside a test case is nothing
  doctest::detail::ResultBuilder result(doctest::assertType::DT_CHECK, where.file_name(),
                                        static_cast<int>(where.line()), check);
  result.m_failed = false;
  if (doctest::getContextOptions()->success) {
    std::ostringstream outcome;
    print_outcome(outcome);
    result.m_decomp = outcome.str().c_str();
  }
  result.log();
#endif
}

// [[maybe_unused]]: under DOCTEST_CONFIG_DISABLE doctest's macros expand to nothing.
inline void fail([[maybe_unused]] const boost::source_location& where, [[maybe_unused]] const std::string& message) {
  DOCTEST_ADD_FAIL_CHECK_AT(where.file_name(), static_cast<int>(where.line()), message);
}

template <class E>
struct events_compared_in_then_need_operator_equal {
  static_assert(chronicle::detail::holds_for<std::equality_comparable<E>, E>,
                "chronicle::testing: then() compares events with ==; give the event `friend bool operator==(const E&, "
                "const E&) = default;`");
  static constexpr bool value = true;
};

// The labels of a message's value lines, aligned.
inline constexpr std::string_view expected_line = "\n  expected: ";
inline constexpr std::string_view decided_line = "\n  decided:  ";
inline constexpr std::string_view error_line = "\n  error:    ";

inline std::string count_of_events(std::size_t n) { return std::to_string(n) + (n == 1 ? " event" : " events"); }

template <class Variant>
void print_events(std::ostream& os, std::span<const Variant> events) {
  os << '[';
  for (std::size_t i = 0; i < events.size(); ++i) {
    if (i) os << ", ";
    chronicle::detail::print(os, events[i]);
  }
  os << ']';
}

template <class... Es>
void print_expected(std::ostream& os, const Es&... expected) {
  os << '[';
  [[maybe_unused]] const char* separator = "";
  ((os << separator, chronicle::detail::print(os, expected), separator = ", "), ...);
  os << ']';
}

// What the domain's `describe(error)` says of it, if it says anything; of an error variant with no
// `describe` of its own, what it says of the alternative held.
template <class Error>
void print_description(std::ostream& os, const Error& error) {
  if constexpr (requires { { describe(error) } -> std::convertible_to<std::string_view>; })
    os << " (" << std::string_view(describe(error)) << ')';
  else if constexpr (chronicle::detail::is_variant<Error>::value)
    chronicle::detail::visit_alternative(error, [&](const auto& held) { print_description(os, held); });
}

// The error's value, then its description.
template <class Error>
void print_error(std::ostream& os, const Error& error) {
  chronicle::detail::print(os, error);
  print_description(os, error);
}

// The described fields in which two values of one type differ ("quantity, unit_price"); empty when the
// type is not described or its fields all compare equal (an operator== of its own).
template <class T>
std::string differing_fields(const T& expected, const T& actual) {
  std::string names;
  if constexpr (boost::describe::has_describe_members<T>::value) {
    boost::mp11::mp_for_each<chronicle::detail::printed_members<T>>([&](auto member) {
      if constexpr (std::equality_comparable<std::remove_cvref_t<decltype(expected.*member.pointer)>>) {
        if (!(expected.*member.pointer == actual.*member.pointer))
          names += (names.empty() ? "" : ", ") + std::string(member.name);
      }
    });
  }
  return names;
}

template <class Decision, class Event, bool Ok = boost::mp11::mp_contains<typename Decision::event_types, Event>::value>
struct then_names_an_event_decide_never_emits {
  static_assert(chronicle::detail::holds_for<Ok, Event, Decision>,
                "chronicle::testing: then() names an event that this command's decide() can never emit");
  static constexpr bool value = Ok;
};

// One base per distinct event named in then(), each firing its own message; `value` is computed apart
// from them (read it only in a static_assert).
template <class Decision, class Events>
struct then_diagnostics;
template <class Decision, class... Es>
struct then_diagnostics<Decision, boost::mp11::mp_list<Es...>> : then_names_an_event_decide_never_emits<Decision, Es>... {
  static constexpr bool value = (boost::mp11::mp_contains<typename Decision::event_types, Es>::value && ...);
};

// Whether then_error<E> can name `Error`: it is E, or E is one of its alternatives.
template <class E, class Error>
consteval bool names_an_error() {
  if constexpr (std::is_same_v<E, Error>)
    return true;
  else if constexpr (chronicle::detail::is_variant<Error>::value)
    return boost::mp11::mp_contains<chronicle::detail::alternatives<Error>, E>::value;
  else
    return false;
}

template <class E>
void print_expected_error(std::ostream& os) {
  os << "an error of type " << chronicle::detail::type_name<E>();
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
    static_assert(detail::then_diagnostics<Decision, boost::mp11::mp_unique<boost::mp11::mp_list<Es...>>>::value);
    constexpr bool can_emit = (boost::mp11::mp_contains<typename Decision::event_types, Es>::value && ...);
    if constexpr (can_emit && (std::equality_comparable<Es> && ...)) {  // else an assertion above is the one error
      std::ostringstream failure;
      const auto events = decision_.events();
      if (decision_.rejected()) {
        failure << "expected " << detail::count_of_events(sizeof...(Es)) << ", but the command was rejected"
                << detail::expected_line;
        detail::print_expected(failure, expected...);
        failure << detail::error_line;
        detail::print_error(failure, decision_.error());
      } else if (events.size() != sizeof...(Es)) {
        failure << "expected " << detail::count_of_events(sizeof...(Es)) << ", decided " << events.size()
                << detail::expected_line;
        detail::print_expected(failure, expected...);
        failure << detail::decided_line;
        detail::print_events(failure, events);
      } else {
        std::size_t i = 0;
        ((compare_event(failure, events[i], expected, i + 1), ++i), ...);
      }
      report(failure, "then(events...)", [&](std::ostream& os) { detail::print_events(os, events); });
    }
    return *this;
  }

  /// @brief The command was rejected with an error of type `E` (the error type, or one alternative of
  /// it); `check(const E&)`, if given, must return true.
  template <class E, class Check = std::nullptr_t>
  const command_outcome& then_error(Check check = nullptr) const {
    static_assert(chronicle::detail::holds_for<detail::names_an_error<E, typename Decision::error_type>(), E, Decision>,
                  "chronicle::testing: then_error<E>() needs E to be the command's error type or one of its "
                  "alternatives");
    std::ostringstream failure;
    if (!decision_.rejected()) {
      failure << "expected a rejection, but the command was accepted" << detail::expected_line;
      detail::print_expected_error<E>(failure);
      failure << detail::decided_line;
      detail::print_events(failure, decision_.events());
    } else if (const E* error = matching_error<E>(); error == nullptr) {
      failure << "the command was rejected with another error than the one expected" << detail::expected_line;
      detail::print_expected_error<E>(failure);
      failure << detail::error_line;
      detail::print_error(failure, decision_.error());
    } else if constexpr (!std::is_same_v<Check, std::nullptr_t>) {
      if (!check(*error)) {
        failure << "the rejection's error did not pass the check" << detail::error_line;
        detail::print_error(failure, decision_.error());
      }
    }
    report(failure, "then_error<E>()", [&](std::ostream& os) { detail::print_error(os, decision_.error()); });
    return *this;
  }

  /// @brief The command was accepted and emitted nothing.
  const command_outcome& then_nothing() const {
    std::ostringstream failure;
    if (decision_.rejected()) {
      failure << "expected no events, but the command was rejected" << detail::error_line;
      detail::print_error(failure, decision_.error());
    } else if (!decision_.events().empty()) {
      failure << "expected no events, decided " << decision_.events().size() << detail::decided_line;
      detail::print_events(failure, decision_.events());
    }
    report(failure, "then_nothing()", [&](std::ostream& os) { detail::print_events(os, decision_.events()); });
    return *this;
  }

  [[nodiscard]] const Decision& decision() const noexcept { return decision_; }

 private:
  template <class E>
  const E* matching_error() const {
    if constexpr (std::is_same_v<E, typename Decision::error_type>)
      return &decision_.error();
    else if constexpr (detail::names_an_error<E, typename Decision::error_type>())
      return get_if<E>(&decision_.error());  // std::get_if or variant2::get_if, by ADL
    else
      return nullptr;  // then_error's static_assert said why
  }

  // Appends what differs at event `index` (from 1), if anything does.
  template <class Decided, class E>
  static void compare_event(std::ostringstream& failure, const Decided& actual, const E& expected, std::size_t index) {
    const E* held = nullptr;
    if constexpr (std::is_same_v<Decided, E>)
      held = &actual;  // a decision of one event type holds its events as they are
    else
      held = std::get_if<E>(&actual);
    if (held != nullptr && *held == expected) return;
    if (failure.tellp() != std::streampos(0)) failure << '\n';
    failure << "event " << index << ": ";
    if (held == nullptr) {
      failure << "expected " << event_name_v<E> << ", decided ";
      visit_event(actual, [&](const auto& e) { failure << event_name_v<std::decay_t<decltype(e)>>; });
    } else {
      failure << event_name_v<E> << " differs from the expected one";
      if (const std::string fields = detail::differing_fields(expected, *held); !fields.empty())
        failure << " in " << fields;
    }
    failure << detail::expected_line;
    chronicle::detail::print(failure, expected);
    failure << detail::decided_line;
    chronicle::detail::print(failure, actual);
  }

  template <class Outcome>
  void report(std::ostringstream& failure, const char* check, const Outcome& print_outcome) const {
    if (failure.tellp() != std::streampos(0))
      detail::fail(where_, failure.str());
    else
      detail::pass(where_, check, print_outcome);
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
      const auto print_projection = [&](std::ostream& os) { chronicle::detail::print(os, projection_); };
      if (check(std::as_const(projection_))) {
        detail::pass(where, "then(check)", print_projection);
      } else {
        std::ostringstream failure;
        failure << "the projection did not pass the check\n  projection: ";
        print_projection(failure);
        detail::fail(where, failure.str());
      }
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
  static_assert(chronicle::detail::holds_for<boost::mp11::mp_contains<typename Projection::handles, E>::value, E, Projection>,
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
