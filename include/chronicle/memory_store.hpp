#pragma once
/// @file
/// @brief The in-memory event store: thread-safe, atomic, gap-free, and fast enough to be the default.
#include <chronicle/envelope.hpp>
#include <chronicle/error.hpp>
#include <chronicle/event_store.hpp>
#include <chronicle/id_generator.hpp>

#include <chronicle/detail/string_map.hpp>
#include <chronicle/detail/timeout.hpp>

#include <boost/unordered/unordered_flat_map.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <initializer_list>
#include <memory>
#include <optional>
#include <mutex>
#include <shared_mutex>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace chronicle {
inline namespace v0 {

/// @brief An `event_store` in process memory.
///
/// Thread safety: every member may be called concurrently. Each stream has its own lock, so appends
/// to different streams only meet for the few instructions that number and publish their events
/// globally. Read callbacks run without the global lock, but `read_stream` holds the stream's read
/// lock while it calls back: from inside that callback, do not touch the same stream again.
///
/// A pending event with a nil id gets a fresh random id (and so takes no part in idempotency).
template <event_set Set>
class memory_store {
  static_assert(detail::event_set_diagnostics<events_of<Set>>::value);

 public:
  using event_type = Set;
  using record = recorded_event<Set>;

  memory_store() = default;
  memory_store(const memory_store&) = delete;
  memory_store& operator=(const memory_store&) = delete;

  /// @brief Appends `batch` to `stream` if its version satisfies `expected`; all or nothing.
  result<append_result, store_error> append(std::string_view stream, expected_version expected,
                                            std::span<const pending_event<Set>> batch) {
    if (auto refused = refuse_malformed_append(stream, batch)) return *std::move(refused);

    stream_slot* slot = find(stream);
    if (slot == nullptr) {
      // Creating a stream only to refuse the append would leave an empty stream behind. The batch may
      // also have landed meanwhile (a retry racing its first attempt): then the stream exists now.
      if (const auto where = recorded_stream(batch.front().id)) {
        if (*where != stream) return duplicate_event{std::string(stream), batch.front().id};
        slot = find(stream);
      } else if (!expected.admits(0)) {
        return concurrency_conflict{std::string(stream), expected, 0};
      } else {
        slot = &find_or_create(stream);
      }
    }

    std::unique_lock stream_lock(slot->mutex);
    const std::uint64_t current = slot->events.size();
    if (!expected.admits(current)) {
      // A retry of a batch that did land finds the version moved on: answer it as the first time.
      std::lock_guard log_lock(log_mutex_);
      if (const auto found = recorded_position(batch.front().id)) return replay_result(*slot, current, batch, *found);
      return concurrency_conflict{slot->id, expected, current};
    }

    // Build the records outside the global lock; only numbering and publishing happen under it.
    auto roll_back = [&] {
      while (slot->events.size() > current) slot->events.pop_back();
    };
    try {
      for (std::size_t i = 0; i < batch.size(); ++i) {
        const auto& pending = batch[i];
        slot->events.push_back(record{{slot->id, current + i + 1, 0, pending.id.is_nil() ? generate_id_() : pending.id,
                                       {}, pending.correlation_id, pending.causation_id},
                                      pending.event});
      }
      auto result = publish(*slot, current, batch);
      if (slot->events[current].position == 0) roll_back();  // not published: refused, or a replay
      return result;
    } catch (...) {
      roll_back();
      throw;
    }
  }

  result<append_result, store_error> append(std::string_view stream, expected_version expected,
                                            std::initializer_list<pending_event<Set>> batch) {
    return append(stream, expected, std::span<const pending_event<Set>>(batch.begin(), batch.size()));
  }

  /// @brief Calls `f` for `stream`'s events from `from_version` on, in order, without copying them.
  template <class F>
  std::size_t read_stream(std::string_view stream, std::uint64_t from_version, F&& f) const {
    const stream_slot* slot = find(stream);
    if (slot == nullptr) return 0;
    std::shared_lock lock(slot->mutex);
    const std::uint64_t first = from_version == 0 ? 0 : from_version - 1;
    if (first >= slot->events.size()) return 0;
    std::size_t seen = 0;
    for (auto it = slot->events.begin() + static_cast<std::ptrdiff_t>(first); it != slot->events.end(); ++it) {
      ++seen;
      if (!detail::deliver(f, *it)) break;
    }
    return seen;
  }

  /// @brief Calls `f` for every event from global position `from_position` on, in global order.
  ///
  /// Takes the global lock once per chunk of events, never while calling `f`.
  template <class F>
  std::size_t read_all(std::uint64_t from_position, F&& f) const {
    std::array<const record*, 1024> chunk;
    std::uint64_t next = std::max<std::uint64_t>(from_position, 1);
    std::size_t seen = 0;
    for (;;) {
      std::size_t n = 0;
      {
        std::lock_guard lock(log_mutex_);
        if (next > log_.size()) return seen;
        n = std::min<std::size_t>(chunk.size(), log_.size() - (next - 1));
        std::copy_n(log_.begin() + static_cast<std::ptrdiff_t>(next - 1), n, chunk.begin());
      }
      for (std::size_t i = 0; i < n; ++i) {
        ++seen;
        if (!detail::deliver(f, *chunk[i])) return seen;
      }
      next += n;
    }
  }

  /// @brief The stream's current version; 0 when it has no events.
  [[nodiscard]] std::uint64_t stream_version(std::string_view stream) const {
    const stream_slot* slot = find(stream);
    if (slot == nullptr) return 0;
    std::shared_lock lock(slot->mutex);
    return slot->events.size();
  }

  /// @brief Where the event with `id` is recorded, if it is (nil ids never are).
  [[nodiscard]] std::optional<event_location> find_event(const event_id& id) const {
    std::lock_guard lock(log_mutex_);
    const auto position = recorded_position(id);
    if (!position) return std::nullopt;
    const record& r = *log_[*position - 1];
    return event_location{r.stream_id, r.version, r.position};
  }

  /// @brief The global position of the newest event; 0 when the store is empty.
  [[nodiscard]] std::uint64_t head_position() const {
    std::lock_guard lock(log_mutex_);
    return log_.size();
  }

  /// @brief Loads recorded events, envelopes and all, into this empty store (an import or a restore).
  ///
  /// `records` must be the whole history in global order, by the rules every store's restore applies
  /// (event_store.hpp: each stream's versions 1, 2, ... and times in order, unique non-nil ids), with
  /// positions 1, 2, ... without gaps: this store numbers densely, so a history with gaps (exported
  /// from PostgreSQL, say) is refused. Throws `std::invalid_argument`
  /// (and changes nothing) if the store holds events or the records break those rules. Not to be called
  /// while other threads use the store.
  void restore(std::vector<record> records) {
    std::unique_lock streams_lock(streams_mutex_);
    std::lock_guard log_lock(log_mutex_);
    if (!log_.empty()) throw std::invalid_argument("chronicle: restore needs an empty store");
    detail::string_map<std::unique_ptr<stream_slot>> streams;
    boost::unordered_flat_map<event_id, std::uint64_t, detail::uuid_hash> ids;
    std::vector<const record*> log;
    log.reserve(records.size());
    ids.reserve(records.size());
    detail::restore_rules rules({}, /*dense=*/true);
    clock::time_point last{};
    for (auto& r : records) {
      rules.check(r);
      if (!ids.try_emplace(r.id, r.position).second) refuse_restore(r.position, "repeats an event id");
      auto& slot = streams[r.stream_id];
      if (!slot) slot = std::make_unique<stream_slot>(r.stream_id);
      last = std::max(last, r.recorded_at);
      slot->events.push_back(std::move(r));
      log.push_back(&slot->events.back());
    }
    streams_ = std::move(streams);
    ids_ = std::move(ids);
    log_ = std::move(log);
    last_recorded_ = last;
  }

  /// @brief Waits until the store holds `position` or `timeout` passes; true if it holds it.
  /// Lets catch-up subscriptions sleep instead of polling.
  [[nodiscard]] bool wait_for_position(std::uint64_t position, std::chrono::nanoseconds timeout) const {
    std::unique_lock lock(log_mutex_);
    ++waiters_;
    const bool reached = appended_.wait_for(lock, detail::bounded(timeout), [&] { return log_.size() >= position; });
    --waiters_;
    return reached;
  }

 private:
  struct stream_slot {
    explicit stream_slot(std::string_view stream) : id(stream) {}
    const std::string id;
    mutable std::shared_mutex mutex;
    // A deque: references survive push_back, so the global log can point at records in place.
    std::deque<record> events;
  };


  stream_slot* find(std::string_view stream) const {
    std::shared_lock lock(streams_mutex_);
    auto it = streams_.find(stream);
    return it == streams_.end() ? nullptr : it->second.get();
  }

  stream_slot& find_or_create(std::string_view stream) {
    auto fresh = std::make_unique<stream_slot>(stream);
    std::unique_lock lock(streams_mutex_);
    auto [it, inserted] = streams_.try_emplace(std::string(stream), nullptr);
    if (inserted) it->second = std::move(fresh);
    return *it->second;
  }

  // The batch's first id is already recorded: either this is a retry of that very batch at that very
  // place (return what the first append returned) or it overlaps something else (an error).
  // `recorded` is the stream's version before this append.
  result<append_result, store_error> replay_result(const stream_slot& slot, std::uint64_t recorded,
                                                   std::span<const pending_event<Set>> batch,
                                                   std::uint64_t first_position) const {
    const record& first = *log_[first_position - 1];
    if (first.stream_id != slot.id || first.version - 1 + batch.size() > recorded)
      return duplicate_event{slot.id, batch.front().id};
    for (std::size_t i = 1; i < batch.size(); ++i)
      if (slot.events[first.version - 1 + i].id != batch[i].id) return duplicate_event{slot.id, batch[i].id};
    const record& last = slot.events[first.version - 1 + batch.size() - 1];
    return append_result{last.version, last.position, batch.size()};
  }

  // Where an event id is recorded (nil ids never are: they stand for "give me an id"). Needs log_mutex_.
  std::optional<std::uint64_t> recorded_position(const event_id& id) const {
    if (id.is_nil()) return std::nullopt;
    const auto found = ids_.find(id);
    if (found == ids_.end()) return std::nullopt;
    return found->second;
  }

  std::optional<std::string_view> recorded_stream(const event_id& id) const {
    std::lock_guard lock(log_mutex_);
    if (const auto position = recorded_position(id)) return std::string_view(log_[*position - 1]->stream_id);
    return std::nullopt;
  }

  // Numbers the records just built at the stream's tail and makes them visible to read_all; or, if
  // the batch's ids are already recorded, answers as a replay or a duplicate (the caller rolls back).
  result<append_result, store_error> publish(stream_slot& slot, std::uint64_t first_index,
                                             std::span<const pending_event<Set>> batch) {
    const std::size_t n = batch.size();
    const auto now = clock::now();
    std::lock_guard lock(log_mutex_);
    if (const auto found = recorded_position(batch.front().id)) return replay_result(slot, first_index, batch, *found);
    if (log_.capacity() < log_.size() + n) log_.reserve(std::max(log_.capacity() * 2, log_.size() + n));
    ids_.reserve(ids_.size() + n);
    for (std::size_t i = 0; i < n; ++i) {
      if (!ids_.try_emplace(slot.events[first_index + i].id, log_.size() + 1 + i).second) {
        for (std::size_t j = 0; j < i; ++j) ids_.erase(slot.events[first_index + j].id);
        return duplicate_event{slot.id, slot.events[first_index + i].id};
      }
    }
    last_recorded_ = std::max(last_recorded_, now);
    for (std::size_t i = 0; i < n; ++i) {
      record& r = slot.events[first_index + i];
      r.position = log_.size() + 1;
      r.recorded_at = last_recorded_;
      log_.push_back(&r);
    }
    if (waiters_ > 0) appended_.notify_all();
    const record& last = slot.events[first_index + n - 1];
    return append_result{last.version, last.position, n};
  }

  mutable std::shared_mutex streams_mutex_;
  detail::string_map<std::unique_ptr<stream_slot>> streams_;

  // The global order: position p is log_[p - 1]. log_mutex_ is held only to number, publish and copy out.
  mutable std::mutex log_mutex_;
  std::vector<const record*> log_;
  boost::unordered_flat_map<event_id, std::uint64_t, detail::uuid_hash> ids_;  // event id -> position
  clock::time_point last_recorded_{};
  mutable std::condition_variable appended_;
  mutable int waiters_ = 0;  // guarded by log_mutex_; spares appends a notify nobody waits for

  id_generator generate_id_;
};

}  // namespace v0
}  // namespace chronicle
