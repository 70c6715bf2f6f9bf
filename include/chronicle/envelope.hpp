#pragma once
/// @file
/// @brief The envelope every recorded event travels in, and the shape of an event about to be appended.
#include <chronicle/event.hpp>

#include <boost/uuid/uuid.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace chronicle {
inline namespace v0 {

/// @brief Identifies one event (and correlation/causation chains). A nil id means "none".
using event_id = boost::uuids::uuid;

/// @brief The clock that stamps recorded events.
using clock = std::chrono::system_clock;

/// @brief An event on its way into a store: the payload plus the ids the caller chose.
///
/// `id` makes appends idempotent: re-appending the same ids at the same place is a no-op.
template <event_set Set>
struct pending_event {
  Set event;
  event_id id{};
  event_id correlation_id{};
  event_id causation_id{};
};

/// @brief Where and when an event was recorded: everything about it but the event itself.
///
/// Projection and reaction handlers receive it beside the concrete event.
struct envelope {
  std::string stream_id;
  std::uint64_t version = 0;   ///< 1-based, contiguous within the stream
  std::uint64_t position = 0;  ///< 1-based, strictly increasing across the store (gap-free but in PostgreSQL)
  event_id id{};
  clock::time_point recorded_at{};  ///< never decreases along a stream (nor, in memory and SQLite, along position)
  event_id correlation_id{};
  event_id causation_id{};
};

/// @brief An event as the store recorded it: its envelope and the event.
template <event_set Set>
struct recorded_event : envelope {
  Set event;

  /// @brief The stable name of the event's type (`event_traits<E>::name`).
  [[nodiscard]] std::string_view type() const noexcept { return event_name(event); }
};

/// @brief An event as a durable store keeps it: its envelope, its stable name, the schema version it
/// was recorded at and its payload (JSON) as recorded, never upcast. Exports and imports move these,
/// so a history keeps its original facts from one durable store to another.
struct encoded_record : envelope {
  std::string event_name;  ///< the event's stable name, as `event_name(e)` gives it
  std::uint32_t schema_version = 0;
  std::string payload;
};

}  // namespace v0
}  // namespace chronicle
