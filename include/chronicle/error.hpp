#pragma once
/// @file
/// @brief Typed errors and the result type every fallible chronicle call returns.
#include <chronicle/envelope.hpp>
#include <chronicle/expected_version.hpp>
#include <chronicle/result.hpp>

#include <boost/uuid/uuid_io.hpp>

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string_view>
#include <string>
#include <utility>
#include <variant>

namespace chronicle {
inline namespace v0 {

/// @brief Longest stream id a store accepts, in bytes. Ids are otherwise arbitrary bytes.
inline constexpr std::size_t max_stream_id_size = 1024;

/// @brief The stream's version did not satisfy the append's expected version.
struct concurrency_conflict {
  std::string stream_id;
  expected_version expected = expected_version::any();
  std::uint64_t actual = 0;
};

/// @brief An event id of the batch is already recorded, and not as this very batch at this very place.
struct duplicate_event {
  std::string stream_id;
  event_id id{};
};

/// @brief A stream id that is empty or longer than `max_stream_id_size`.
struct invalid_stream_id {
  std::size_t size = 0;
};

/// @brief An append of no events (nothing to order, so nothing is written).
struct empty_batch {
  std::string stream_id;
};

/// @brief An event whose encoded payload is longer than the store's limit (a durable store's
/// `max_payload_size`): it could be written, but no reader with that limit could read it back.
struct payload_too_large {
  std::string stream_id;
  std::size_t size = 0;   ///< the payload's bytes
  std::size_t limit = 0;  ///< the store's limit
};

/// @brief Everything an append can refuse.
using store_error = std::variant<concurrency_conflict, duplicate_event, invalid_stream_id, empty_batch, payload_too_large>;

/// @brief A temporal load named a stream that has no events.
struct stream_not_found {
  std::string stream_id;
};

/// @brief A temporal load asked for a version beyond the stream's current one.
struct version_out_of_range {
  std::string stream_id;
  std::uint64_t requested = 0;
  std::uint64_t current = 0;
};

/// @brief The stream holds an event its aggregate does not know: it belongs to another aggregate (a
/// command sent to another aggregate's stream id), or was written by other code. Folding past it would
/// build a wrong state, so a load or command stops there.
struct foreign_event {
  std::string stream_id;
  std::uint64_t version = 0;  ///< where the unknown event is
  std::string type;           ///< its stable name
  friend bool operator==(const foreign_event&, const foreign_event&) = default;
};

/// @brief Everything a temporal load can refuse.
using load_error = std::variant<stream_not_found, version_out_of_range, foreign_event>;

/// @brief One line for a log or an exception message.
inline std::string describe(const concurrency_conflict& e) {
  std::string expected;
  switch (e.expected.which()) {
    case expected_version::kind::any: expected = "any"; break;
    case expected_version::kind::no_stream: expected = "no stream"; break;
    case expected_version::kind::stream_exists: expected = "an existing stream"; break;
    case expected_version::kind::exact: expected = "version " + std::to_string(e.expected.version()); break;
  }
  return "concurrency conflict on stream '" + e.stream_id + "': expected " + expected + ", found version " +
         std::to_string(e.actual);
}
inline std::string describe(const duplicate_event& e) {
  return "event " + boost::uuids::to_string(e.id) + " is already recorded (appending to stream '" +
         e.stream_id + "')";
}
inline std::string describe(const invalid_stream_id& e) {
  return "invalid stream id of " + std::to_string(e.size) + " bytes (must be 1 to " +
         std::to_string(max_stream_id_size) + ")";
}
inline std::string describe(const empty_batch& e) { return "empty batch appended to stream '" + e.stream_id + "'"; }
inline std::string describe(const payload_too_large& e) {
  return "an event for stream '" + e.stream_id + "' encodes to " + std::to_string(e.size) +
         " bytes, over the store's limit of " + std::to_string(e.limit);
}
inline std::string describe(const foreign_event& e) {
  return "stream '" + e.stream_id + "' holds event '" + e.type + "' at version " + std::to_string(e.version) +
         ", which its aggregate does not know";
}
inline std::string describe(const stream_not_found& e) { return "stream '" + e.stream_id + "' not found"; }
inline std::string describe(const version_out_of_range& e) {
  return "stream '" + e.stream_id + "' has version " + std::to_string(e.current) + ", not " +
         std::to_string(e.requested);
}
template <class T>
concept describable = requires(const T& t) { describe(t); };

template <class... Ts>
  requires(describable<Ts> && ...)
std::string describe(const std::variant<Ts...>& e) {
  return std::visit([](const auto& alternative) { return describe(alternative); }, e);
}

}  // namespace v0
}  // namespace chronicle
