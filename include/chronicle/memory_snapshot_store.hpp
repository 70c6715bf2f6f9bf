#pragma once
/// @file
/// @brief Snapshots kept in process memory.
#include <chronicle/snapshot_store.hpp>

#include <chronicle/detail/string_map.hpp>

#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace chronicle {
inline namespace v0 {

/// @brief A `snapshot_store` in memory. Thread-safe; `load` returns a copy.
template <class State>
class memory_snapshot_store {
 public:
  void save(std::string_view stream, const snapshot<State>& snap) {
    std::lock_guard lock(mutex_);
    auto it = snapshots_.find(stream);
    if (it == snapshots_.end())
      snapshots_.emplace(std::string(stream), snap);
    else if (it->second.version <= snap.version)
      it->second = snap;
  }

  [[nodiscard]] std::optional<snapshot<State>> load(std::string_view stream) const {
    std::lock_guard lock(mutex_);
    auto it = snapshots_.find(stream);
    if (it == snapshots_.end()) return std::nullopt;
    return it->second;
  }

 private:

  mutable std::mutex mutex_;
  detail::string_map<snapshot<State>> snapshots_;
};

}  // namespace v0
}  // namespace chronicle
