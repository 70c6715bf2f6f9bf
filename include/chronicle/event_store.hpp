#pragma once
/// @file
/// @brief The event-store concept: what a backend (in memory, SQLite, PostgreSQL) must provide.
///
/// A store holds streams of events of one event set. Its contract:
/// - `append(stream, expected, batch)`: all of the batch or none of it; the expected-version check and
///   the write are one atomic step; versions continue the stream contiguously from 1; global positions
///   strictly increase across all streams (without gaps in memory and SQLite; PostgreSQL may skip
///   numbers an append drew and then did not use); re-appending a batch whose event ids are
///   recorded at that very place returns the original result and writes nothing; a batch whose ids are
///   partly or elsewhere recorded is a `duplicate_event`; an empty batch is `empty_batch`; a stream id
///   that is empty or longer than `max_stream_id_size` is `invalid_stream_id`.
/// - `read_stream(stream, from_version, f)`: calls `f(const recorded_event&)` for the stream's events
///   with version >= from_version, in version order (0 and 1 both mean "from the start"). `f` may return
///   `false` to stop early. Returns how many events `f` saw. An unknown or invalid stream reads as empty.
///   The record passed to `f` is valid for that call only (a store may reuse it): copy what you keep.
/// - `read_all(from_position, f)`: the same over every stream in global order.
/// - `append(stream, expected, batch, recorded)`, optional: as `append`, and once the events are
///   committed, calls `recorded(std::span<const recorded_event>)` with what it wrote: never empty,
///   positions ascending (without gaps but in PostgreSQL, where concurrent batches may interleave), the store's own locks released (so `recorded` may read or
///   append). Not called for a re-append that wrote nothing. If `recorded` throws, the append stands
///   and the exception propagates. Inline projections use it instead of reading back what was written.
/// - `read_events(stream, from_version, f)`, optional: as `read_stream`, but calls
///   `f(std::uint64_t version, const event_type&)` with only what a fold needs. A store whose envelopes
///   cost something to build (a database's columns) offers it; repositories use it when it is there.
/// - `find_event(id)`, optional: where the event with this id is recorded (`event_location`), or
///   nothing. Repositories use it to answer a command sent again with the same event ids
///   (`command_options::idempotency_key`) by its first result, without deciding it again.
/// - `stream_version(stream)`: the current version, 0 for a stream without events.
/// - `head_position()`: the global position of the newest event, 0 for an empty store.
/// Failures of the medium itself (I/O, a full disk) are exceptions; everything above is a value.
#include <chronicle/envelope.hpp>
#include <chronicle/error.hpp>
#include <chronicle/expected_version.hpp>
#include <chronicle/detail/string_map.hpp>

#include <algorithm>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <span>
#include <stdexcept>
#include <string_view>
#include <type_traits>

namespace chronicle {
inline namespace v0 {

/// @brief Where an append landed.
struct append_result {
  std::uint64_t version = 0;   ///< the stream's version after the append
  std::uint64_t position = 0;  ///< global position of the batch's last event (0 if nothing was written)
  std::uint64_t count = 0;     ///< events written by this append
  friend bool operator==(const append_result&, const append_result&) = default;
};

/// @brief Where an event is recorded.
struct event_location {
  std::string stream_id;
  std::uint64_t version = 0;
  std::uint64_t position = 0;
  friend bool operator==(const event_location&, const event_location&) = default;
};

namespace detail {
// A reader with the exact signature stores must accept; used only to state the concept.
template <class Set>
struct reader_archetype {
  bool operator()(const recorded_event<Set>&) const { return true; }
};

// Lets read callbacks return void (read everything) or bool (false stops).
template <class F, class... Args>
bool deliver(F& f, const Args&... args) {
  if constexpr (std::is_same_v<std::invoke_result_t<F&, const Args&...>, void>) {
    f(args...);
    return true;
  } else {
    return static_cast<bool>(f(args...));
  }
}

// A stream's events with their versions: the store's `read_events` where it has one, else `read_stream`.
template <class Store, class F>
std::size_t read_events(const Store& store, std::string_view stream, std::uint64_t from, F&& f) {
  if constexpr (requires { store.read_events(stream, from, f); })
    return store.read_events(stream, from, f);
  else
    return store.read_stream(stream, from, [&](const auto& r) { return deliver(f, r.version, r.event); });
}
}  // namespace detail

/// @brief What read models and reactors read: events of `S::event_type` in global order.
/// `read_all(from, f)` delivers every event at or after position `from`, in order (or none, if it
/// cannot: a partial source never skips ahead).
template <class S>
concept event_source = event_set<typename S::event_type> &&
                       requires(const S& cs, std::uint64_t from, detail::reader_archetype<typename S::event_type> reader) {
                         { cs.read_all(from, reader) } -> std::same_as<std::size_t>;
                         { cs.head_position() } -> std::same_as<std::uint64_t>;
                       };

/// @brief A backend that records streams of events of `S::event_type`.
template <class S>
concept event_store =
    event_source<S> &&
    requires(S& s, const S& cs, std::string_view stream, expected_version expected,
             std::span<const pending_event<typename S::event_type>> batch, std::uint64_t from,
             detail::reader_archetype<typename S::event_type> reader) {
      { s.append(stream, expected, batch) } -> std::same_as<result<append_result, store_error>>;
      { cs.read_stream(stream, from, reader) } -> std::same_as<std::size_t>;
      { cs.stream_version(stream) } -> std::same_as<std::uint64_t>;
    };

namespace detail {
// The events one append recorded, as an `event_source`: inline read models catch up from it instead of
// reading back what was just written.
template <class Set>
class recorded_batch {
 public:
  using event_type = Set;
  explicit recorded_batch(std::span<const recorded_event<Set>> records) noexcept : records_(records) {}

  [[nodiscard]] std::uint64_t first_position() const noexcept { return records_.front().position; }
  [[nodiscard]] std::uint64_t head_position() const noexcept { return records_.back().position; }
  // Only a reader at or inside the batch: one from before it would miss the events in between.
  template <class F>
  std::size_t read_all(std::uint64_t from, F&& f) const {
    if (records_.empty() || from < first_position()) return 0;
    std::size_t seen = 0;
    for (const auto& r : records_) {
      if (r.position < from) continue;
      ++seen;
      if (!deliver(f, r)) break;
    }
    return seen;
  }

 private:
  std::span<const recorded_event<Set>> records_;
};
}  // namespace detail

/// @brief Whether `id` is a stream id stores accept.
[[nodiscard]] constexpr bool valid_stream_id(std::string_view id) noexcept {
  return !id.empty() && id.size() <= max_stream_id_size;
}

/// @brief The refusals every store makes before looking at its data: an invalid stream id, an empty
/// batch. Stores call this first, so they agree on them.
template <class Batch>
[[nodiscard]] std::optional<store_error> refuse_malformed_append(std::string_view stream, const Batch& batch) {
  if (!valid_stream_id(stream)) return invalid_stream_id{stream.size()};
  if (batch.empty()) return empty_batch{std::string(stream)};
  return std::nullopt;
}

namespace detail {
// A refused restore: an std::invalid_argument that also says which record, so an import names its line.
struct restore_refusal : std::invalid_argument {
  restore_refusal(std::uint64_t at, const std::string& message) : std::invalid_argument(message), position(at) {}
  std::uint64_t position;
};
}  // namespace detail

/// @brief What a store throws for a record a restore (an import of a whole history) cannot take: an
/// `std::invalid_argument` naming the record's position.
[[noreturn]] inline void refuse_restore(std::uint64_t position, std::string_view why) {
  throw detail::restore_refusal(
      position, "chronicle: restore: the record at position " + std::to_string(position) + " " + std::string(why));
}

namespace detail {
// The rules every store's `restore` applies, record by record, so that all stores refuse alike:
// positions strictly increasing (from 1), each stream's versions 1, 2, ... without gaps, each stream's
// recorded times never going back, no nil id, no payload over the store's limit. (A repeated id each
// store finds itself.) A store that promises more, as memory_store does (positions without gaps, and
// times that never go back along positions, across streams too), asks for `dense`.
class restore_rules {
 public:
  explicit restore_rules(std::size_t max_payload = static_cast<std::size_t>(-1), bool dense = false) noexcept
      : max_payload_(max_payload), dense_(dense) {}

  void check(const envelope& r, std::size_t payload_size = 0) {
    if (!valid_stream_id(r.stream_id)) refuse_restore(r.position, "has an invalid stream id");
    if (r.position <= last_position_ || (dense_ && r.position != last_position_ + 1))
      refuse_restore(r.position, dense_ ? "is not the next position (this store numbers without gaps)"
                                        : "does not come after the previous record's position");
    auto& stream = streams_[r.stream_id];
    if (r.version != stream.version + 1)
      refuse_restore(r.position, "has version " + std::to_string(r.version) + " where its stream needs " +
                                     std::to_string(stream.version + 1));
    if (r.recorded_at < stream.recorded_at) refuse_restore(r.position, "was recorded before its stream's previous event");
    if (dense_ && r.recorded_at < last_recorded_at_)
      refuse_restore(r.position, "was recorded before the record at the previous position (this store keeps times in order)");
    if (r.id.is_nil()) refuse_restore(r.position, "has a nil id");
    if (payload_size > max_payload_)
      refuse_restore(r.position, "is " + std::to_string(payload_size) + " bytes, over the store's max_payload_size");
    last_position_ = r.position;
    last_recorded_at_ = std::max(last_recorded_at_, r.recorded_at);
    stream.version = r.version;
    stream.recorded_at = r.recorded_at;
  }

 private:
  struct stream_state {
    std::uint64_t version = 0;
    clock::time_point recorded_at{};
  };
  std::size_t max_payload_;
  bool dense_;
  std::uint64_t last_position_ = 0;
  clock::time_point last_recorded_at_{};
  string_map<stream_state> streams_;
};
}  // namespace detail

}  // namespace v0
}  // namespace chronicle
