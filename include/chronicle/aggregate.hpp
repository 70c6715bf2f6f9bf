#pragma once
/// @file
/// @brief Aggregates: a state type, its event set, and policies; evolve by static visitor, decide commands.
#include <chronicle/decision.hpp>
#include <chronicle/event.hpp>
#include <chronicle/policy.hpp>

#include <boost/mp11/algorithm.hpp>
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
  static_assert(Ok,
                "chronicle: the aggregate's state has no apply() for an event of its set; add "
                "`void apply(const Event&)` to the state, or list the event in chronicle::ignore<...>");
  static constexpr bool value = Ok;
};

template <class State, class Command, bool Ok>
struct no_decide_for_command {
  static_assert(Ok,
                "chronicle: no `decide(const State&, const Command&)` returning a chronicle::decision is "
                "declared for this command; declare one beside the state so ADL finds it");
  static constexpr bool value = Ok;
};

template <class State, class Event, bool Ok>
struct decided_event_is_not_in_the_event_set {
  static_assert(Ok,
                "chronicle: decide() may emit an event that is not in the aggregate's event set; add it "
                "to the set or emit another event");
  static constexpr bool value = Ok;
};

template <class Policy, bool Ok = requires { typename Policy::policy_kind; }>
struct not_an_aggregate_policy {
  static_assert(Ok,
                "chronicle: an aggregate parameter is not a policy; use snapshot_every<N>, snapshot_never, "
                "snapshot_when<P>, retry_on_conflict<N> or ignore<Events...>");
  static constexpr bool value = Ok;
};

template <class Set, class Event, bool Ok = boost::mp11::mp_contains<events_of<Set>, Event>::value>
struct ignored_event_is_not_in_the_event_set {
  static_assert(Ok, "chronicle: ignore<...> names an event that is not in the aggregate's event set");
  static constexpr bool value = Ok;
};

template <class Set, class E>
using ignored_member = boost::mp11::mp_bool<ignored_event_is_not_in_the_event_set<Set, E>::value>;

template <class State, class Set, class E>
using decided_member =
    boost::mp11::mp_bool<decided_event_is_not_in_the_event_set<State, E, contains_event_v<Set, E>>::value>;

template <class Kind>
struct has_kind {
  template <class P>
  using fn = std::is_same<typename P::policy_kind, Kind>;
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
constexpr bool check_handlers() {
  return []<class... Es>(boost::mp11::mp_list<Es...>) {
    return (state_has_no_apply_for_event<State, Es,
                                         applies<State, Es> || boost::mp11::mp_contains<Ignored, Es>::value>::value &&
            ...);
  }(events_of<Events>{});
}

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
  static_assert(valid_event_set_v<Events>);
  static_assert((detail::not_an_aggregate_policy<Policies>::value && ...));

  using state_type = State;
  using event_type = Events;
  using snapshot_policy = typename detail::policy_of<detail::snapshot_policy_kind, snapshot_never, Policies...>::type;
  using concurrency_policy =
      typename detail::policy_of<detail::concurrency_policy_kind, retry_on_conflict<0>, Policies...>::type;
  using ignored_events = typename detail::policy_of<detail::ignore_policy_kind, ignore<>, Policies...>::type::events;

  static_assert(boost::mp11::mp_all_of_q<ignored_events, boost::mp11::mp_bind_front<detail::ignored_member, Events>>::value);
  static_assert(detail::check_handlers<State, Events, ignored_events>());

  /// @brief Applies one concrete event to the state.
  template <class E>
    requires boost::mp11::mp_contains<events_of<Events>, E>::value
  static constexpr void evolve(State& state, const E& e) {
    if constexpr (!boost::mp11::mp_contains<ignored_events, E>::value) state.apply(e);
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

  /// @brief Decides `command` against `state` with the user's `decide`.
  template <class Command>
  static auto decide(const State& state, const Command& command) {
    static_assert(detail::no_decide_for_command<State, Command, detail::decidable<State, Command>>::value);
    if constexpr (detail::decidable<State, Command>) {
      using result_type = decltype(detail::call_decide(state, command));
      static_assert(boost::mp11::mp_all_of_q<
                    typename result_type::event_types,
                    boost::mp11::mp_bind_front<detail::decided_member, State, Events>>::value);
      return detail::call_decide(state, command);
    }
  }
};

}  // namespace v0
}  // namespace chronicle
