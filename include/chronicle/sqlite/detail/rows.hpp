#pragma once
// How the SQLite store reads rows: the columns' encodings (times as nanoseconds, keys as int64) and
// the chunked read every one of its reads goes through.
#include <chronicle/envelope.hpp>
#include <chronicle/sqlite/detail/connection.hpp>

#include <sqlite3.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string_view>
#include <utility>
#include <vector>

namespace chronicle {
inline namespace v0 {
namespace detail {

// Versions and positions are SQLite integers (int64): none lies beyond this.
inline constexpr std::uint64_t sqlite_max_key = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());

inline constexpr std::size_t sqlite_chunk_rows = 512;  // rows per read chunk: the LIMIT of the selects
// A chunk also ends once its payloads reach 1 MiB, so a read holds about that much however large
// the events are (and at most one event more).
inline constexpr std::size_t sqlite_chunk_bytes = std::size_t{1} << 20;

inline std::int64_t to_nanos(clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}
inline clock::time_point from_nanos(std::int64_t n) {
  return clock::time_point(std::chrono::duration_cast<clock::duration>(std::chrono::nanoseconds(n)));
}

// Whether a failed insert into the events table failed on the event id's unique index (SQLite names
// the column in its message), not on another constraint.
inline bool repeats_event_id(int extended_code, std::string_view message) {
  return extended_code == SQLITE_CONSTRAINT_UNIQUE && message.find("events.event_id") != std::string_view::npos;
}

// Overwrites `r`'s envelope with the current row of a select of the events table (position, version,
// event_id, type, schema_version, payload, correlation_id, causation_id, recorded_at, stream_id),
// reusing its strings' storage. `stream` is the stream read, or empty for the global order, whose
// rows carry it in column 9.
inline void fill_envelope(envelope& r, const sqlite_statement& s, std::string_view stream) {
  r.position = static_cast<std::uint64_t>(s.integer(0));
  r.stream_id.assign(stream.empty() ? s.blob(9) : stream);
  r.version = static_cast<std::uint64_t>(s.integer(1));
  r.id = s.id(2);
  r.correlation_id = s.id(6);
  r.causation_id = s.id(7);
  r.recorded_at = from_nanos(s.integer(8));
}

// Reads a chunk of rows (up to sqlite_chunk_rows, or 1 MiB of payload in column `payload`) into
// `Row`s under the lock `take_lane()` returns with its lane, then delivers them without it, until
// done or stopped; the rows are reused from one chunk to the next. `query(lane, from)` is the
// statement, bound, for rows from key `from` on; `fill(row, statement)` reads one; `key(row)` is its
// version or position.
//
// With `to_the_end`, a chunk that was not full is followed by one more query, until one finds
// nothing: the global order's readers also get the events appended while they were called (a
// reactor's own commands' events, in the same catch-up).
template <class Row, class TakeLane, class Query, class Fill, class Deliver, class Key>
std::size_t read_chunks(TakeLane&& take_lane, std::uint64_t from, int payload, Query&& query, Fill&& fill,
                        Deliver&& deliver, Key&& key, bool to_the_end = false) {
  std::size_t seen = 0;
  std::vector<Row> chunk;
  while (from <= sqlite_max_key) {  // beyond it lies nothing (and it would bind as a negative number)
    std::size_t rows = 0;
    std::size_t bytes = 0;
    bool full = false;
    {
      auto [lock, lane] = take_lane();
      auto& s = query(*lane, from);
      reset_on_exit done(s);
      while (!full && s.step()) {
        if (rows == chunk.size()) chunk.emplace_back();
        fill(chunk[rows++], s);
        bytes += static_cast<std::size_t>(sqlite3_column_bytes(s.raw(), payload));
        full = rows == sqlite_chunk_rows || bytes >= sqlite_chunk_bytes;
      }
    }
    for (std::size_t i = 0; i < rows; ++i) {
      ++seen;
      if (!deliver(chunk[i])) return seen;
    }
    if (rows == 0 || (!full && !to_the_end)) return seen;
    from = key(chunk[rows - 1]) + 1;
    // Rows keep their strings' storage for the next chunk, unless large events grew it: then they
    // go, so what a read holds stays about one chunk's payload.
    if (bytes >= sqlite_chunk_bytes) chunk.clear();
  }
  return seen;
}

}  // namespace detail
}  // namespace v0
}  // namespace chronicle
