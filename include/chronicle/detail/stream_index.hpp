#pragma once
// The in-memory store's streams by id. Every command looks its stream up, and a lookup that takes a
// lock writes the lock's cache line, which then travels between the cores of threads that work on
// different streams. So lookups take no lock and write nothing: the table is open-addressed, holds
// atomic pointers, and only grows (streams are never removed). Creating a stream takes a mutex;
// growing copies the table and keeps the old one alive until the store dies, so a lookup that began
// on it stays valid (at most twice the memory of the newest table).
#include <chronicle/detail/string_map.hpp>  // string_hash

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string_view>
#include <utility>
#include <vector>

namespace chronicle {
inline namespace v0 {
namespace detail {

// Slot: has `const std::string id` and is constructible from a std::string_view.
template <class Slot>
class stream_index {
 public:
  stream_index() = default;
  stream_index(const stream_index&) = delete;
  stream_index& operator=(const stream_index&) = delete;

  Slot* find(std::string_view id) const noexcept { return find(id, string_hash{}(id)); }

  // The stream `id`, created if it does not exist.
  Slot& find_or_create(std::string_view id) {
    const std::size_t hash = string_hash{}(id);
    std::lock_guard lock(mutex_);
    if (Slot* s = find(id, hash)) return *s;
    auto fresh = std::make_unique<Slot>(id);
    if (tables_.empty() || (owned_.size() + 1) * 2 > tables_.back()->mask + 1) grow();
    owned_.push_back({std::move(fresh), hash});  // before it is placed: if this throws, nobody sees it
    place(*tables_.back(), owned_.back().slot.get(), hash);
    return *owned_.back().slot;
  }

 private:
  Slot* find(std::string_view id, std::size_t hash) const noexcept {
    const table* t = current_.load(std::memory_order_acquire);
    if (t == nullptr) return nullptr;
    for (std::size_t i = hash & t->mask;; i = (i + 1) & t->mask) {
      const entry& e = t->entries[i];
      Slot* s = e.slot.load(std::memory_order_acquire);
      if (s == nullptr) return nullptr;
      // The hash sits in the table: probing past other streams must not read their slots, whose
      // cache lines their own writers keep taking back.
      if (e.hash == hash && s->id == id) return s;
    }
  }

  struct entry {
    std::atomic<Slot*> slot{nullptr};
    std::size_t hash = 0;  // written before `slot`, read after it
  };
  struct table {
    explicit table(std::size_t size) : mask(size - 1), entries(std::make_unique<entry[]>(size)) {}
    std::size_t mask;
    std::unique_ptr<entry[]> entries;
  };
  struct owned {
    std::unique_ptr<Slot> slot;
    std::size_t hash;
  };

  static void place(table& t, Slot* s, std::size_t hash) noexcept {
    std::size_t i = hash & t.mask;
    while (t.entries[i].slot.load(std::memory_order_relaxed) != nullptr) i = (i + 1) & t.mask;
    t.entries[i].hash = hash;
    t.entries[i].slot.store(s, std::memory_order_release);
  }

  void grow() {
    auto bigger = std::make_unique<table>(tables_.empty() ? 64 : 2 * (tables_.back()->mask + 1));
    for (const auto& o : owned_) place(*bigger, o.slot.get(), o.hash);
    tables_.reserve(tables_.size() + 1);
    current_.store(bigger.get(), std::memory_order_release);
    tables_.push_back(std::move(bigger));
  }

  std::atomic<const table*> current_{nullptr};
  std::mutex mutex_;  // creation and growth
  std::vector<std::unique_ptr<table>> tables_;  // every table made; the last is current_
  std::vector<owned> owned_;
};

}  // namespace detail
}  // namespace v0
}  // namespace chronicle
