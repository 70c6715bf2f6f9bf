#pragma once
/// @file
/// @brief Aggregates: a state type, its event set, and policies; evolve by static visitor, decide commands.
#include <chronicle/decision.hpp>
#include <chronicle/detail/diagnostic.hpp>
#include <chronicle/event.hpp>
#include <chronicle/policy.hpp>

#include <boost/mp11/algorithm.hpp>
#include <boost/mp11/bind.hpp>
#include <boost/mp11/function.hpp>

#include <type_traits>
#include <utility>

namespace chronicle {
inline namespace v0 {
namespace detail {

template <class State, class Event>
concept applies = requires(State& s, const Event& e) { s.apply(e); };

// Ordinary lookup finds no `decide` in this namespace, so the call below is pure ADL on the
// state and command types: `decide` lives next to the user's domain.
template <class State, class Command>
concept decidable = requires(const State& s, const Command& c) {
  { decide(s, c) } -> a_decision;
};

template <class State, class Command>
auto call_decide(const State& s, const Command& c) {
  return decide(s, c);
}

// Each check is a struct named as the sentence it asserts, so the compiler's "in instantiation of"
// line names the state and the event or command in question.
template <class State, class Event, bool Ok>
struct state_has_no_apply_for_event {
  static_assert(holds_for<Ok, State, Event>,
                "chronicle: the aggregate's state has no apply() for an event of its set; add "
                "`void apply(const Event&)` to the state, or list the event in chronicle::ignore<...>");
  static constexpr bool value = Ok;
};

template <class State, class Command, bool Ok>
struct no_decide_for_command {
  static_assert(holds_for<Ok, State, Command>,
                "chronicle: no `decide(const State&, const Command&)` returning a chronicle::decision is "
                "declared for this command; declare one beside the state so ADL finds it");
  static constexpr bool value = Ok;
};

template <class State, class Event, bool Ok>
struct decided_event_is_not_in_the_event_set {
  static_assert(holds_for<Ok, State, Event>,
                "chronicle: decide() may emit an event that is not in the aggregate's event set; add it "
                "to the set or emit another event");
  static constexpr bool value = Ok;
};

template <class Policy, bool Ok = requires { typename Policy::policy_kind; }>
struct not_an_aggregate_policy {
  static_assert(holds_for<Ok, Policy>,
                "chronicle: an aggregate parameter is not a policy; use snapshot_every<N>, snapshot_never, "
                "snapshot_when<P>, retry_on_conflict<N> or ignore<Events...>");
  static constexpr bool value = Ok;
};

template <class Policy, class State, bool Ok = true>
struct snapshot_predicate_is_not_callable_on_the_state {
  static_assert(holds_for<Ok, Policy, State>,
                "chronicle: snapshot_when<Predicate> needs a default-constructible Predicate callable as "
                "`bool(const State&, std::uint64_t version, std::uint64_t events_since_last_snapshot)`");
  static constexpr bool value = Ok;
};
template <class Policy, class State>
struct snapshot_policy_diagnostics : std::true_type {};
template <class Predicate, class State>
struct snapshot_policy_diagnostics<snapshot_when<Predicate>, State>
    : snapshot_predicate_is_not_callable_on_the_state<snapshot_when<Predicate>, State,
                                                       snapshot_when<Predicate>::template accepts<State>> {};

template <class Set, class Event, bool Ok = boost::mp11::mp_contains<events_of<Set>, Event>::value>
struct ignored_event_is_not_in_the_event_set {
  static_assert(holds_for<Ok, Event, Set>, "chronicle: ignore<...> names an event that is not in the aggregate's event set");
  static constexpr bool value = Ok;
};

// Diagnostics over a list: each base fires its own message, naming its type. The value is computed
// on its own, so nothing downstream depends on a class whose static_assert failed.
template <class Set, class Ignored>
struct ignore_diagnostics;
template <class Set, class... Es>
struct ignore_diagnostics<Set, boost::mp11::mp_list<Es...>> : ignored_event_is_not_in_the_event_set<Set, Es>... {
  static constexpr bool value = (contains_event_v<Set, Es> && ...);
};

template <class State, class Set, class Emitted>
struct decided_diagnostics;
template <class State, class Set, class... Es>
struct decided_diagnostics<State, Set, boost::mp11::mp_list<Es...>>
    : decided_event_is_not_in_the_event_set<State, Es, contains_event_v<Set, Es>>... {
  static constexpr bool value = (contains_event_v<Set, Es> && ...);
};

// A parameter that is not a policy has no kind; it is skipped here (and reported above).
template <class Kind>
struct has_kind {
  template <class P>
  using fn = std::bool_constant<requires { requires std::is_same_v<typename P::policy_kind, Kind>; }>;
};

template <class Kind, class Default, class... Policies>
struct policy_of {
  using matching = boost::mp11::mp_copy_if_q<boost::mp11::mp_list<Policies...>, has_kind<Kind>>;
  static_assert(boost::mp11::mp_size<matching>::value <= 1,
                "chronicle: an aggregate takes at most one policy of each kind (snapshot, concurrency, ignore)");
  using type = boost::mp11::mp_eval_if_c<boost::mp11::mp_empty<matching>::value, Default, boost::mp11::mp_front,
                                         matching>;
};

template <class State, class Events, class Ignored>
struct handler_diagnostics;
template <class State, class... Es, class Ignored>
struct handler_diagnostics<State, boost::mp11::mp_list<Es...>, Ignored>
    : state_has_no_apply_for_event<State, Es, applies<State, Es> || boost::mp11::mp_contains<Ignored, Es>::value>... {
  static constexpr bool value = ((applies<State, Es> || boost::mp11::mp_contains<Ignored, Es>::value) && ...);
};

template <class State, class Command>
using decided_events = typename decltype(call_decide(std::declval<const State&>(), std::declval<const Command&>()))::event_types;

// Pure: whether decide(state, command) is declared and emits only events of the set.
template <class State, class Events, class Command>
constexpr bool decides_within_set() {
  if constexpr (decidable<State, Command>)
    return boost::mp11::mp_all_of_q<decided_events<State, Command>, boost::mp11::mp_bind_front<contains_event, Events>>::value;
  else
    return false;
}

// The message for a command that cannot be decided: no decide(), or one that may emit a foreign event.
template <class State, class Events, class Command, bool Decidable = decidable<State, Command>>
struct decide_diagnostics : no_decide_for_command<State, Command, false> {
  static constexpr bool value = false;
};
template <class State, class Events, class Command>
struct decide_diagnostics<State, Events, Command, true>
    : decided_diagnostics<State, Events, decided_events<State, Command>> {};

}  // namespace detail

/// @brief An aggregate: `State` evolved by the events of `Events`, deciding commands; with `Policies`.
///
/// - `State` has `void apply(const E&)` for each event `E` of `Events` (or lists `E` in `ignore<...>`);
///   a missing one does not compile.
/// - Each command `C` has a free `decide(const State&, const C&)` returning a `chronicle::decision`.
/// - `Policies` (any order): a snapshot policy (default `snapshot_never`), `retry_on_conflict<N>`
///   (default 0), `ignore<Events...>`.
template <class State, event_set Events, class... Policies>
struct aggregate {
  static_assert(detail::event_set_diagnostics<events_of<Events>>::value);
  static_assert((detail::not_an_aggregate_policy<Policies>::value && ...));

  using state_type = State;
  using event_type = Events;
  using snapshot_policy = typename detail::policy_of<detail::snapshot_policy_kind, snapshot_never, Policies...>::type;
  using concurrency_policy =
      typename detail::policy_of<detail::concurrency_policy_kind, retry_on_conflict<0>, Policies...>::type;
  using ignored_events = typename detail::policy_of<detail::ignore_policy_kind, ignore<>, Policies...>::type::events;

  static_assert(detail::snapshot_policy_diagnostics<snapshot_policy, State>::value);
  static_assert(detail::ignore_diagnostics<Events, boost::mp11::mp_unique<ignored_events>>::value);
  static_assert(detail::handler_diagnostics<State, events_of<Events>, ignored_events>::value);

  /// @brief Applies one concrete event to the state.
  template <class E>
    requires boost::mp11::mp_contains<events_of<Events>, E>::value
  static constexpr void evolve(State& state, const E& e) {
    // `applies` is already guaranteed above; testing it again keeps a missing apply() to one message.
    if constexpr (!boost::mp11::mp_contains<ignored_events, E>::value && detail::applies<State, E>) state.apply(e);
  }

  /// @brief Applies an event of the set: a switch on its index, then a direct call.
  static constexpr void evolve(State& state, const Events& e) {
    visit_event(e, [&state](const auto& concrete) { evolve(state, concrete); });
  }

  /// @brief Applies a decision's events in order, so each sees the effect of those before it.
  template <class Error, class... Es>
  static constexpr void evolve(State& state, const decision<Error, Es...>& d) {
    for (const auto& e : d.events()) visit_event(e, [&state](const auto& concrete) { evolve(state, concrete); });
  }

  /// @brief Whether `decide(state, command)` is declared and emits only events of the set.
  template <class Command>
  static constexpr bool decides = detail::decides_within_set<State, Events, Command>();

  /// @brief Decides `command` against `state` with the user's `decide`.
  template <class Command>
  static auto decide(const State& state, const Command& command) {
    static_assert(detail::decide_diagnostics<State, Events, Command>::value);
    if constexpr (decides<Command>) return detail::call_decide(state, command);
  }
};

}  // namespace v0
}  // namespace chronicle
