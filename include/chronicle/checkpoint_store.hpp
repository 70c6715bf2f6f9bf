#pragma once
/// @file
/// @brief Where a subscriber whose work lives outside the process keeps its checkpoint.
///
/// A read model in memory starts again from 0 after a restart, so its checkpoint needs no store. A
/// subscriber whose effects outlive the process (a reactor that sends commands, a projection into
/// another system) must resume where it stopped, or it would redo everything. It saves the global
/// position it has handled under its name in a checkpoint store:
/// - `load(name)`: the saved position, 0 for a name never saved (or erased);
/// - `save(name, position)`: replaces it;
/// - `erase(name)`: forgets it (a rebuild starts from 0).
/// Names are any bytes. Stores are thread-safe.
#include <chronicle/detail/string_map.hpp>

#include <concepts>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

namespace chronicle {
inline namespace v0 {

/// @brief Keeps subscribers' checkpoints by name.
template <class C>
concept checkpoint_store = requires(C& c, const C& cc, std::string_view name, std::uint64_t position) {
  { cc.load(name) } -> std::same_as<std::uint64_t>;
  c.save(name, position);
  c.erase(name);
};

/// @brief A `checkpoint_store` in memory: for tests, and for subscribers restarted within one process.
class memory_checkpoint_store {
 public:
  [[nodiscard]] std::uint64_t load(std::string_view name) const {
    std::lock_guard lock(mutex_);
    const auto it = positions_.find(name);
    return it == positions_.end() ? 0 : it->second;
  }
  void save(std::string_view name, std::uint64_t position) {
    std::lock_guard lock(mutex_);
    const auto it = positions_.find(name);
    if (it == positions_.end())
      positions_.emplace(std::string(name), position);
    else
      it->second = position;
  }
  void erase(std::string_view name) {
    std::lock_guard lock(mutex_);
    const auto it = positions_.find(name);
    if (it != positions_.end()) positions_.erase(it);
  }

 private:
  mutable std::mutex mutex_;
  detail::string_map<std::uint64_t> positions_;
};

/// @brief One subscriber's checkpoint: a checkpoint store and a name. Refers to the store, which must
/// outlive it; any `checkpoint_store` fits, so the subscriber that holds it stays one type.
class checkpoint_slot {
 public:
  template <checkpoint_store C>
  checkpoint_slot(C& store, std::string name)
      : store_(&store),
        name_(std::move(name)),
        load_([](const void* s, std::string_view n) { return static_cast<const C*>(s)->load(n); }),
        save_([](void* s, std::string_view n, std::uint64_t p) { static_cast<C*>(s)->save(n, p); }),
        erase_([](void* s, std::string_view n) { static_cast<C*>(s)->erase(n); }) {}

  [[nodiscard]] const std::string& name() const noexcept { return name_; }
  [[nodiscard]] std::uint64_t load() const { return load_(store_, name_); }
  void save(std::uint64_t position) { save_(store_, name_, position); }
  void erase() { erase_(store_, name_); }

 private:
  void* store_;
  std::string name_;
  std::uint64_t (*load_)(const void*, std::string_view);
  void (*save_)(void*, std::string_view, std::uint64_t);
  void (*erase_)(void*, std::string_view);
};

}  // namespace v0
}  // namespace chronicle
