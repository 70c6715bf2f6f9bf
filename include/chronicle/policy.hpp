#pragma once
/// @file
/// @brief Aggregate policies: when to snapshot, how often to retry a conflict, which events to ignore.
///
/// Policies are types, passed to `chronicle::aggregate` in any order; each kind at most once.
#include <boost/mp11/list.hpp>

#include <concepts>
#include <cstdint>

namespace chronicle {
inline namespace v0 {
namespace detail {
struct snapshot_policy_kind {};
struct concurrency_policy_kind {};
struct ignore_policy_kind {};
}  // namespace detail

/// @brief Snapshot after every `N` events since the last snapshot (the reference's "every 100").
template <std::uint64_t N>
struct snapshot_every {
  static_assert(N > 0, "chronicle: snapshot_every<N> needs N > 0; use snapshot_never to disable snapshots");
  using policy_kind = detail::snapshot_policy_kind;
  static constexpr bool enabled = true;
  static constexpr bool reads_state = false;  // so a repository can ask before it builds the new state
  template <class State>
  static constexpr bool should_snapshot(const State&, std::uint64_t /*version*/, std::uint64_t events_since) noexcept {
    return events_since >= N;
  }
};

/// @brief Never snapshot: every load replays the whole stream. The default.
struct snapshot_never {
  using policy_kind = detail::snapshot_policy_kind;
  static constexpr bool enabled = false;
  static constexpr bool reads_state = false;
  template <class State>
  static constexpr bool should_snapshot(const State&, std::uint64_t, std::uint64_t) noexcept {
    return false;
  }
};

/// @brief Snapshot when `Predicate{}(state, version, events_since_last_snapshot)` says so: a
/// default-constructible `Predicate` callable as `bool(const State&, std::uint64_t, std::uint64_t)`
/// (the aggregate checks it, with a message).
template <class Predicate>
struct snapshot_when {
  using policy_kind = detail::snapshot_policy_kind;
  static constexpr bool enabled = true;
  static constexpr bool reads_state = true;
  template <class State>
  static constexpr bool accepts =
      std::default_initializable<Predicate> && std::predicate<const Predicate&, const State&, std::uint64_t, std::uint64_t>;
  template <class State>
  static constexpr bool should_snapshot(const State& state, std::uint64_t version, std::uint64_t events_since) {
    if constexpr (accepts<State>)
      return Predicate{}(state, version, events_since);
    else
      return false;  // reported once, by the aggregate's check
  }
};

/// @brief On a concurrency conflict, reload and decide again up to `N` more times. Default: 0.
template <unsigned N>
struct retry_on_conflict {
  using policy_kind = detail::concurrency_policy_kind;
  static constexpr unsigned max_retries = N;
};

/// @brief Events of the set that the state deliberately has no `apply()` for.
template <class... Events>
struct ignore {
  using policy_kind = detail::ignore_policy_kind;
  using events = boost::mp11::mp_list<Events...>;
};

}  // namespace v0
}  // namespace chronicle
