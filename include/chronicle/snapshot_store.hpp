#pragma once
/// @file
/// @brief Snapshots of aggregate state, and the snapshot-store concept backends implement.
#include <concepts>
#include <cstdint>
#include <optional>
#include <string_view>

namespace chronicle {
inline namespace v0 {

/// @brief The schema version of a state type: `State::schema_version` if declared, else 1.
///
/// Bump it whenever the state's layout or meaning changes: snapshots of another version are ignored
/// and the stream is replayed instead, so an old snapshot is never misread.
template <class State>
inline constexpr std::uint32_t state_schema_version_v = [] {
  if constexpr (requires { State::schema_version; })
    return static_cast<std::uint32_t>(State::schema_version);
  else
    return std::uint32_t{1};
}();

/// @brief A state as of a stream version.
template <class State>
struct snapshot {
  std::uint64_t version = 0;         ///< the stream version the state includes
  std::uint32_t schema_version = 1;  ///< `state_schema_version_v<State>` when it was taken
  State state{};
};

/// @brief A backend that keeps the latest snapshot of each stream.
///
/// `save` replaces the stream's snapshot when the new one is not older; `load` returns the latest.
/// Both may be called concurrently.
template <class S, class State>
concept snapshot_store = requires(S& s, const S& cs, std::string_view stream, const snapshot<State>& snap) {
  s.save(stream, snap);
  { cs.load(stream) } -> std::same_as<std::optional<snapshot<State>>>;
};

/// @brief The snapshot store of aggregates that never snapshot: stores nothing.
template <class State>
struct no_snapshots {
  void save(std::string_view, const snapshot<State>&) {}
  [[nodiscard]] std::optional<snapshot<State>> load(std::string_view) const { return std::nullopt; }
};

}  // namespace v0
}  // namespace chronicle
