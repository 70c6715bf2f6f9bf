#pragma once
/// @file
/// @brief The in-memory event store: thread-safe, atomic, gap-free, and fast enough to be the default.
#include <chronicle/envelope.hpp>
#include <chronicle/error.hpp>
#include <chronicle/event_store.hpp>
#include <chronicle/id_generator.hpp>

#include <chronicle/detail/ordered_log.hpp>
#include <chronicle/detail/spin_lock.hpp>
#include <chronicle/detail/stable_vector.hpp>
#include <chronicle/detail/stream_index.hpp>
#include <chronicle/detail/string_map.hpp>  // uuid_hash

#include <boost/unordered/unordered_flat_map.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <mutex>
#include <shared_mutex>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace chronicle {
inline namespace v0 {

/// @brief An `event_store` in process memory.
///
/// Thread safety: every member may be called concurrently. Each stream has its own lock; streams
/// are found without a lock, and the event-id index is split into shards with a lock each, so
/// appends to different streams meet only to claim their global positions (a few instructions) and
/// in the id index. `read_all` takes no lock; `read_stream` holds the stream's read lock while it
/// calls back: from inside that callback, do not touch the same stream again (`find_event` of its
/// events included).
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
  ///
  /// Returns once the events are readable, and every event before them in the global order too.
  result<append_result, store_error> append(std::string_view stream, expected_version expected,
                                            std::span<const pending_event<Set>> batch) {
    if (auto refused = refuse_malformed_append(stream, batch)) return *std::move(refused);
    // An attempt that meets an id indexed by an append to another stream still in flight waits for
    // that append to end and tries again. Two batches sharing ids can meet each other again; each
    // then backs off for a time that differs by thread and grows, so one of them lands. (No lock
    // for taking turns: a caller may be inside another stream's read_stream callback.)
    for (unsigned tries = 0;; ++tries) {
      if (auto outcome = attempt(stream, expected, batch)) return *std::move(outcome);
      const auto spread = (std::hash<std::thread::id>{}(std::this_thread::get_id()) + tries) * 0x9E3779B97F4A7C15u;
      for (auto n = ((spread >> 58) + 1) << std::min(tries, 10u); n > 0; --n) std::this_thread::yield();
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
    return slot->events.for_each_from(first, [&](const record& r) { return detail::deliver(f, r); });
  }

  /// @brief Calls `f` for every event from global position `from_position` on, in global order.
  ///
  /// Takes no lock. It stops at the first position whose append is still in flight, so it never
  /// skips one: a later call continues from there.
  template <class F>
  std::size_t read_all(std::uint64_t from_position, F&& f) const {
    std::uint64_t next = std::max<std::uint64_t>(from_position, 1);
    if (log_.published_through(next - 1) < next - 1) return 0;
    return log_.read_from(next, [&](const record& r) { return detail::deliver(f, r); });
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
    const auto where = recorded_at(id);
    if (!where) return std::nullopt;
    // The index may hold the id of an append still in flight; the stream's lock waits it out.
    std::shared_lock lock(where->slot->mutex);
    if (!holds(*where, id)) return std::nullopt;
    return event_location{where->slot->id, where->version, where->slot->events[where->version - 1].position};
  }

  /// @brief The global position of the newest event; 0 when the store is empty.
  ///
  /// While appends are in flight, the newest position such that every one before it is readable.
  [[nodiscard]] std::uint64_t head_position() const { return log_.head(); }

  /// @brief Loads recorded events, envelopes and all, into this empty store (an import or a restore).
  ///
  /// `records` must be the whole history in global order, by the rules every store's restore applies
  /// (event_store.hpp: each stream's versions 1, 2, ... and times in order, unique non-nil ids), with
  /// positions 1, 2, ... without gaps: this store numbers densely, so a history with gaps (exported
  /// from PostgreSQL, say) is refused. Throws `std::invalid_argument`
  /// (and changes nothing) if the store holds events or the records break those rules. Not to be called
  /// while other threads use the store.
  void restore(std::vector<record> records) {
    if (log_.head() != 0) throw std::invalid_argument("chronicle: restore needs an empty store");
    std::array<id_map, shards> ids;
    boost::unordered_flat_map<event_id, std::uint64_t, detail::uuid_hash> seen;
    seen.reserve(records.size());
    for (auto& map : ids) map.reserve(records.size() / shards);
    detail::restore_rules rules({}, /*dense=*/true);
    for (const auto& r : records) {  // check everything before changing anything
      rules.check(r);
      if (!seen.try_emplace(r.id, r.position).second) refuse_restore(r.position, "repeats an event id");
    }
    std::vector<const record*> log;
    log.reserve(records.size());
    std::vector<stream_slot*> pushed;  // where each record went, to take it back if this throws
    pushed.reserve(records.size());
    log_.reserve(records.size());
    clock::time_point last{};
    try {
      for (auto& r : records) {
        stream_slot& slot = find_or_create(r.stream_id);
        last = std::max(last, r.recorded_at);
        ids[shard_of(r.id)].try_emplace(r.id, id_entry{&slot, r.version});
        slot.events.push_back(std::move(r));
        pushed.push_back(&slot);
        log.push_back(&slot.events.back());
      }
    } catch (...) {
      while (!pushed.empty()) pushed.back()->events.pop_back(), pushed.pop_back();
      throw;  // streams it created stay, empty: as after a refused append
    }
    log_.restore(log, last);  // cannot throw: the log holds records.size() slots already
    for (std::size_t i = 0; i < shards; ++i) id_shards_[i].ids = std::move(ids[i]);
  }

  /// @brief Waits until the store holds `position` or `timeout` passes; true if it holds it.
  /// Lets catch-up subscriptions sleep instead of polling.
  [[nodiscard]] bool wait_for_position(std::uint64_t position, std::chrono::nanoseconds timeout) const {
    return log_.wait_for(position, timeout);
  }

 private:
  struct stream_slot {
    explicit stream_slot(std::string_view stream) : id(stream) {}
    const std::string id;
    mutable std::shared_mutex mutex;
    // Records never move, so the global log can point at them in place.
    detail::stable_vector<record> events;
  };

  // Where an event id is recorded. Entries of an append in flight may be rolled back: check the
  // stream under its lock before trusting one.
  struct id_entry {
    stream_slot* slot;
    std::uint64_t version;
  };
  using id_map = boost::unordered_flat_map<event_id, id_entry, detail::uuid_hash>;

  // Every append writes the id index: shards keep two appends from waiting on one lock. (They
  // still share cache lines: each shard's lock is as likely to have been taken last on the other core.)
  static constexpr std::size_t shards = 32;
  static std::size_t shard_of(const event_id& id) noexcept { return detail::uuid_hash{}(id) >> 59; }
  static_assert(sizeof(std::size_t) == 8, "shard_of takes the top five bits of a 64-bit hash");

  struct alignas(64) id_shard {
    mutable detail::spin_lock mutex;  // held for one probe (or, rarely, a rehash)
    id_map ids;
  };

  stream_slot* find(std::string_view stream) const { return streams_.find(stream); }
  stream_slot& find_or_create(std::string_view stream) { return streams_.find_or_create(stream); }

  // Where an event id is indexed (nil ids never are: they stand for "give me an id").
  std::optional<id_entry> recorded_at(const event_id& id) const {
    if (id.is_nil()) return std::nullopt;
    const id_shard& shard = id_shards_[shard_of(id)];
    std::lock_guard lock(shard.mutex);
    const auto found = shard.ids.find(id);
    if (found == shard.ids.end()) return std::nullopt;
    return found->second;
  }

  // Indexes `id` at `where`, or returns where it is indexed already.
  std::optional<id_entry> remember(const event_id& id, id_entry where) {
    id_shard& shard = id_shards_[shard_of(id)];
    std::lock_guard lock(shard.mutex);
    const auto [it, inserted] = shard.ids.try_emplace(id, where);
    if (inserted) return std::nullopt;
    return it->second;
  }

  void forget(const event_id& id) noexcept {
    id_shard& shard = id_shards_[shard_of(id)];
    std::lock_guard lock(shard.mutex);
    shard.ids.erase(id);
  }

  // One try at append. No answer (nullopt) when an id of the batch is indexed by an unfinished
  // append to another stream: then nothing was written and the caller tries again.
  std::optional<result<append_result, store_error>> attempt(std::string_view stream, expected_version expected,
                                                            std::span<const pending_event<Set>> batch) {
    stream_slot* slot = find(stream);
    if (slot == nullptr) {
      // Creating a stream only to refuse the append would leave an empty stream behind. The batch may
      // also have landed meanwhile (a retry racing its first attempt): then the stream exists now.
      if (const auto where = committed_at(batch.front().id)) {
        if (where->slot->id != stream) return duplicate_event{std::string(stream), batch.front().id};
        slot = where->slot;
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
      const auto found = recorded_at(batch.front().id);
      if (!found) return concurrency_conflict{slot->id, expected, current};
      if (found->slot == slot) return replay_result(*slot, current, batch, *found);
      stream_lock.unlock();  // never wait for another stream holding this one
      if (committed(*found, batch.front().id)) return duplicate_event{slot->id, batch.front().id};
      return concurrency_conflict{slot->id, expected, current};
    }

    // Build the records and index their ids under the stream's lock alone; claiming positions is the
    // only step shared with appends to other streams, and after it nothing can fail.
    const std::size_t n = batch.size();
    std::size_t indexed = 0;
    auto roll_back = [&] {
      for (std::size_t i = 0; i < indexed; ++i) forget(slot->events[current + i].id);
      while (slot->events.size() > current) slot->events.pop_back();
    };
    std::optional<std::pair<id_entry, event_id>> foreign;  // an id indexed for another stream
    try {
      for (std::size_t i = 0; i < n; ++i) {
        const auto& pending = batch[i];
        slot->events.push_back(record{{slot->id, current + i + 1, 0, pending.id.is_nil() ? generate_id_() : pending.id,
                                       {}, pending.correlation_id, pending.causation_id},
                                      pending.event});
      }
      for (; indexed < n && !foreign; ++indexed) {
        const event_id id = slot->events[current + indexed].id;
        const auto earlier = remember(id, {slot, current + indexed + 1});
        if (!earlier) continue;
        if (earlier->slot == slot) {  // recorded in this stream: a retry of that very batch, or an overlap
          auto refusal = indexed == 0 ? replay_result(*slot, current, batch, *earlier)
                                      : result<append_result, store_error>(duplicate_event{slot->id, id});
          roll_back();
          return refusal;
        }
        foreign.emplace(*earlier, id);
      }
      if (!foreign) {
        const auto [first, at] = log_.claim(n, clock::now());
        for (std::size_t i = 0; i < n; ++i) {
          record& r = slot->events[current + i];
          r.position = first + i;
          r.recorded_at = at;
        }
        // Returns once every earlier position is readable too: read your writes.
        log_.publish(first, n, [&](std::size_t i) -> const record& { return slot->events[current + i]; });
        return append_result{current + n, first + n - 1, n};
      }
    } catch (...) {
      roll_back();
      throw;
    }
    // Indexed for another stream, whose append may still be rolled back: wait for it, unlocked.
    --indexed;  // the id that met the other entry is not ours to forget
    roll_back();
    stream_lock.unlock();
    if (committed(foreign->first, foreign->second)) return duplicate_event{std::string(stream), foreign->second};
    return std::nullopt;
  }

  // Whether the entry's stream holds the id at that version: the caller holds that stream's lock.
  static bool holds(const id_entry& where, const event_id& id) {
    const auto& events = where.slot->events;
    return where.version <= events.size() && events[where.version - 1].id == id;
  }

  // Whether an index entry is a recorded event rather than an append in flight that may be rolled
  // back. Takes the entry's stream's lock: the caller must hold no other.
  static bool committed(const id_entry& where, const event_id& id) {
    std::shared_lock lock(where.slot->mutex);
    return holds(where, id);
  }

  std::optional<id_entry> committed_at(const event_id& id) const {
    auto where = recorded_at(id);
    if (where && !committed(*where, id)) where.reset();
    return where;
  }

  // The batch's first id is recorded already in this stream: either this is a retry of that very batch
  // at that very place (return what the first append returned) or it overlaps something else (an
  // error). `recorded` is the stream's version before this append; the caller holds the stream's lock.
  result<append_result, store_error> replay_result(const stream_slot& slot, std::uint64_t recorded,
                                                   std::span<const pending_event<Set>> batch, id_entry first) const {
    if (first.version - 1 + batch.size() > recorded)
      return duplicate_event{slot.id, batch.front().id};
    for (std::size_t i = 1; i < batch.size(); ++i)
      if (slot.events[first.version - 1 + i].id != batch[i].id) return duplicate_event{slot.id, batch[i].id};
    const record& last = slot.events[first.version - 1 + batch.size() - 1];
    return append_result{last.version, last.position, batch.size()};
  }

  detail::stream_index<stream_slot> streams_;
  std::array<id_shard, shards> id_shards_;
  detail::ordered_log<record> log_;  // the global order: position p is log_'s slot p
  id_generator generate_id_;
};

}  // namespace v0
}  // namespace chronicle
