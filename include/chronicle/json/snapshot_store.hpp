#pragma once
/// @file
/// @brief Snapshots kept as JSON with their state's schema version: the form durable stores keep them
/// in. A snapshot written by another version of the state is never misread.
#include <chronicle/detail/string_map.hpp>
#include <chronicle/json/detail/parse.hpp>
#include <chronicle/json/codec.hpp>
#include <chronicle/snapshot_store.hpp>

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/serialize.hpp>

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace chronicle {
inline namespace v0 {

/// @brief A snapshot as bytes: what a durable snapshot table stores.
struct stored_snapshot {
  std::uint64_t version = 0;
  std::uint32_t schema_version = 0;
  std::string payload;  ///< the state as a JSON object
};

/// @brief Stored snapshots in memory, one per stream (a stand-in for a durable table). Thread-safe.
class memory_stored_snapshots {
 public:
  /// @brief Keeps `snap` unless the stream has a newer snapshot of the same schema.
  void save(std::string_view stream, stored_snapshot snap) {
    std::lock_guard lock(mutex_);
    auto it = snapshots_.find(stream);
    if (it == snapshots_.end())
      snapshots_.emplace(std::string(stream), std::move(snap));
    else if (it->second.version <= snap.version || it->second.schema_version != snap.schema_version)
      it->second = std::move(snap);
  }
  [[nodiscard]] std::optional<stored_snapshot> load(std::string_view stream) const {
    std::lock_guard lock(mutex_);
    auto it = snapshots_.find(stream);
    if (it == snapshots_.end()) return std::nullopt;
    return it->second;
  }
  void erase(std::string_view stream) {
    std::lock_guard lock(mutex_);
    if (auto it = snapshots_.find(stream); it != snapshots_.end()) snapshots_.erase(it);
  }

 private:
  mutable std::mutex mutex_;
  detail::string_map<stored_snapshot> snapshots_;
};

/// @brief A `snapshot_store<State>` that keeps snapshots as JSON in `Storage` (anything with
/// `save(stream, stored_snapshot)`, `load(stream)` and `erase(stream)`). `State` must be described
/// with `BOOST_DESCRIBE_STRUCT` (or have a `json_codec`).
///
/// A snapshot written with another `state_schema_version_v<State>` is never decoded: `load` hands back
/// only its version numbers, the repository sees the mismatch, replays the stream and saves a current
/// snapshot in its place. One of the current schema that does not decode is erased.
template <class State, class Storage = memory_stored_snapshots>
class json_snapshot_store {
 public:
  explicit json_snapshot_store(Storage& storage) : storage_(&storage) {}

  void save(std::string_view stream, const snapshot<State>& snap) {
    unsigned char scratch[4096];
    boost::json::monotonic_resource resource(scratch, sizeof scratch);
    boost::json::value json(&resource);
    encode_json(snap.state, json);
    storage_->save(stream, stored_snapshot{snap.version, snap.schema_version, boost::json::serialize(json)});
  }

  [[nodiscard]] std::optional<snapshot<State>> load(std::string_view stream) const {
    auto stored = storage_->load(stream);
    if (!stored) return std::nullopt;
    snapshot<State> snap{stored->version, stored->schema_version, State{}};
    if (stored->schema_version != state_schema_version_v<State>) return snap;
    boost::system::error_code ec;
    const auto json = detail::parse_json(stored->payload, ec, {}, detail::strings_as_bytes());
    json_decoder decoder;
    if (!ec && decode_json(json, snap.state, decoder)) return snap;
    storage_->erase(stream);  // this schema, yet unreadable: drop it; the policy will take a new one
    return std::nullopt;
  }

 private:
  Storage* storage_;
};

}  // namespace v0
}  // namespace chronicle
