#pragma once
/// @file
/// @brief A durable event store in one SQLite file (the `chronicle::sqlite` component).
///
/// Same contract as every `event_store` (event_store.hpp), checked by the same conformance tests as
/// `memory_store`. Events are stored as JSON through `event_codec`, so old rows load through the
/// upcasters. Every value is a bound parameter: no SQL text is ever built from data.
///
/// Schema (version 2, in `PRAGMA user_version`; a file of a newer version is refused, an older one
/// upgraded), created whole by whichever class opens the file first:
/// ```sql
/// CREATE TABLE events (position INTEGER PRIMARY KEY, stream_id BLOB NOT NULL, version INTEGER NOT NULL,
///   event_id BLOB NOT NULL UNIQUE, type TEXT NOT NULL, schema_version INTEGER NOT NULL,
///   payload TEXT NOT NULL, correlation_id BLOB NOT NULL, causation_id BLOB NOT NULL,
///   recorded_at INTEGER NOT NULL, UNIQUE (stream_id, version));
/// CREATE TABLE snapshots (stream_id BLOB PRIMARY KEY, version INTEGER NOT NULL,
///   schema_version INTEGER NOT NULL, payload TEXT NOT NULL);           -- sqlite_stored_snapshots
/// CREATE TABLE checkpoints (name TEXT PRIMARY KEY, position INTEGER NOT NULL);
///                                      -- sqlite_checkpoint_store, sqlite_read_model
/// ```
/// Appends run in `BEGIN IMMEDIATE` transactions; the file is in WAL mode with `synchronous` FULL by
/// default. A busy database is waited for up to `busy_timeout`, then reported as `sqlite_error`.
///
/// Thread safety: a store holds one connection behind a mutex; any member may be called from any
/// thread. Several stores (threads or processes) may open one file. Read callbacks run without the
/// mutex held (rows are read in chunks), so they may append.
#include <chronicle/checkpoint_store.hpp>
#include <chronicle/envelope.hpp>
#include <chronicle/error.hpp>
#include <chronicle/event_codec.hpp>
#include <chronicle/event_store.hpp>
#include <chronicle/id_generator.hpp>
#include <chronicle/json_snapshot_store.hpp>
#include <chronicle/detail/string_map.hpp>

#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <concepts>
#include <cstring>
#include <initializer_list>
#include <mutex>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace chronicle {
inline namespace v0 {

/// @brief A failure of the database itself (I/O, a full disk, a busy database past the timeout, a
/// file of an unknown schema). Contract outcomes (conflicts, duplicates) are values, as in every store.
class sqlite_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// @brief How a `sqlite_store` opens its file.
struct sqlite_options {
  enum class synchronous { off, normal, full };
  /// FULL: an acknowledged append survives a power cut. NORMAL (with WAL): it survives a crash of the
  /// process, and appends are several times faster.
  synchronous sync = synchronous::full;
  /// How long to wait for another writer before `sqlite_error` (never `SQLITE_BUSY` to the caller).
  std::chrono::milliseconds busy_timeout{5000};
};

namespace detail {

// Owns one prepared statement; resets it on every use.
class sqlite_statement {
 public:
  sqlite_statement() = default;
  sqlite_statement(sqlite3* db, std::string_view sql) : db_(db) {
    if (sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr) !=
        SQLITE_OK)
      throw sqlite_error(std::string("chronicle: preparing SQL failed: ") + sqlite3_errmsg(db));
  }
  sqlite_statement(sqlite_statement&& other) noexcept
      : db_(std::exchange(other.db_, nullptr)), stmt_(std::exchange(other.stmt_, nullptr)) {}
  sqlite_statement& operator=(sqlite_statement&& other) noexcept {
    std::swap(db_, other.db_);
    std::swap(stmt_, other.stmt_);
    return *this;
  }
  ~sqlite_statement() { sqlite3_finalize(stmt_); }

  sqlite_statement& reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    return *this;
  }
  sqlite_statement& bind(int i, std::int64_t v) {
    check(sqlite3_bind_int64(stmt_, i, v));
    return *this;
  }
  sqlite_statement& bind(int i, std::uint64_t v) { return bind(i, static_cast<std::int64_t>(v)); }
  sqlite_statement& bind_text(int i, std::string_view v) {
    check(sqlite3_bind_text64(stmt_, i, v.data(), v.size(), SQLITE_TRANSIENT, SQLITE_UTF8));
    return *this;
  }
  sqlite_statement& bind_blob(int i, const void* data, std::size_t size) {
    check(sqlite3_bind_blob64(stmt_, i, size == 0 ? "" : data, size, SQLITE_TRANSIENT));
    return *this;
  }
  sqlite_statement& bind_blob(int i, std::string_view v) { return bind_blob(i, v.data(), v.size()); }
  sqlite_statement& bind(int i, const event_id& id) { return bind_blob(i, id.data, sizeof id.data); }

  /// True while a row is available.
  bool step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    throw sqlite_error(std::string("chronicle: SQLite: ") + sqlite3_errmsg(db_));
  }

  sqlite3_stmt* raw() const noexcept { return stmt_; }
  std::int64_t integer(int column) const { return sqlite3_column_int64(stmt_, column); }
  std::string_view blob(int column) const {
    const void* data = sqlite3_column_blob(stmt_, column);
    return {static_cast<const char*>(data), static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column))};
  }
  std::string_view text(int column) const {
    const unsigned char* data = sqlite3_column_text(stmt_, column);
    return {reinterpret_cast<const char*>(data), static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column))};
  }
  event_id id(int column) const {
    event_id out{};
    const auto bytes = blob(column);
    if (bytes.size() == sizeof out.data) std::memcpy(out.data, bytes.data(), sizeof out.data);
    return out;
  }

 private:
  void check(int rc) const {
    if (rc != SQLITE_OK) throw sqlite_error(std::string("chronicle: SQLite bind: ") + sqlite3_errmsg(db_));
  }
  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
};

// Resets a statement when a read ends, also by an exception: one left mid-step would hold its read
// transaction open and block checkpoints.
class reset_on_exit {
 public:
  explicit reset_on_exit(sqlite_statement& s) noexcept : s_(&s) {}
  reset_on_exit(const reset_on_exit&) = delete;
  reset_on_exit& operator=(const reset_on_exit&) = delete;
  ~reset_on_exit() { sqlite3_reset(s_->raw()); }

 private:
  sqlite_statement* s_;
};

inline void sqlite_exec(sqlite3* db, const char* sql) {
  char* message = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &message) != SQLITE_OK) {
    std::string text = message ? message : sqlite3_errmsg(db);
    sqlite3_free(message);
    throw sqlite_error("chronicle: SQLite: " + text);
  }
}

// One open database: WAL, the synchronous level and the busy timeout set; closed last, after every
// statement of its owner (declare it first).
class sqlite_connection {
 public:
  sqlite_connection(const std::string& path, const sqlite_options& options) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        nullptr) != SQLITE_OK) {
      const std::string message = db_ ? sqlite3_errmsg(db_) : "out of memory";
      sqlite3_close(db_);
      throw sqlite_error("chronicle: cannot open '" + path + "': " + message);
    }
    try {
      sqlite3_busy_timeout(db_, static_cast<int>(options.busy_timeout.count()));
      sqlite_exec(db_, "PRAGMA journal_mode=WAL");
      sqlite_exec(db_, options.sync == sqlite_options::synchronous::full     ? "PRAGMA synchronous=FULL"
                       : options.sync == sqlite_options::synchronous::normal ? "PRAGMA synchronous=NORMAL"
                                                                             : "PRAGMA synchronous=OFF");
    } catch (...) {
      sqlite3_close(db_);
      throw;
    }
  }
  sqlite_connection(const sqlite_connection&) = delete;
  sqlite_connection& operator=(const sqlite_connection&) = delete;
  ~sqlite_connection() { sqlite3_close(db_); }

  [[nodiscard]] sqlite3* get() const noexcept { return db_; }

 private:
  sqlite3* db_ = nullptr;
};

// The file's tables, created together (by whichever class opens the file first) under one version
// in `PRAGMA user_version`. A file of a newer version is refused before anything touches it; an older
// one is brought up to date in the same transaction. Version 1 had only the events table (the others
// came with the classes that used them); version 2 creates all three.
inline constexpr int sqlite_schema_version = 2;

// A BEGIN IMMEDIATE transaction that rolls back unless committed.
class sqlite_transaction {
 public:
  explicit sqlite_transaction(sqlite3* db) : db_(db) { sqlite_exec(db_, "BEGIN IMMEDIATE"); }
  sqlite_transaction(const sqlite_transaction&) = delete;
  sqlite_transaction& operator=(const sqlite_transaction&) = delete;
  ~sqlite_transaction() {
    if (!done_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
  void commit() {
    sqlite_exec(db_, "COMMIT");
    done_ = true;
  }

 private:
  sqlite3* db_;
  bool done_ = false;
};

// The file's schema version; refuses one newer than this code's.
inline std::int64_t schema_version_of(sqlite3* db) {
  std::int64_t found = 0;
  {  // finished before anything writes: a read left open would turn writes into SQLITE_BUSY
    sqlite_statement version(db, "PRAGMA user_version");
    version.step();
    found = version.integer(0);
  }
  if (found > sqlite_schema_version)
    throw sqlite_error("chronicle: the file has schema version " + std::to_string(found) + ", newer than this code's " +
                       std::to_string(sqlite_schema_version));
  return found;
}

inline void open_schema(sqlite3* db) {
  if (schema_version_of(db) == sqlite_schema_version) return;
  sqlite_transaction tx(db);  // several processes may create the file at once
  // Again under the write lock: another process may have created or upgraded it meanwhile.
  if (schema_version_of(db) == sqlite_schema_version) return;
  sqlite_exec(db,
              "CREATE TABLE IF NOT EXISTS events (position INTEGER PRIMARY KEY, stream_id BLOB NOT NULL, "
              "version INTEGER NOT NULL, event_id BLOB NOT NULL UNIQUE, type TEXT NOT NULL, "
              "schema_version INTEGER NOT NULL, payload TEXT NOT NULL, correlation_id BLOB NOT NULL, "
              "causation_id BLOB NOT NULL, recorded_at INTEGER NOT NULL, UNIQUE (stream_id, version))");
  sqlite_exec(db,
              "CREATE TABLE IF NOT EXISTS snapshots (stream_id BLOB PRIMARY KEY, version INTEGER NOT NULL, "
              "schema_version INTEGER NOT NULL, payload TEXT NOT NULL)");
  sqlite_exec(db, "CREATE TABLE IF NOT EXISTS checkpoints (name TEXT PRIMARY KEY, position INTEGER NOT NULL)");
  sqlite_exec(db, "PRAGMA user_version = 2");
  tx.commit();
}

}  // namespace detail

/// @brief An `event_store` in a SQLite file. Requires the `chronicle::sqlite` CMake component.
template <event_set Set>
class sqlite_store {
  static_assert(detail::event_set_diagnostics<events_of<Set>>::value);

 public:
  using event_type = Set;
  using record = recorded_event<Set>;
  static constexpr int schema_version = detail::sqlite_schema_version;

  explicit sqlite_store(const std::string& path, sqlite_options options = {})
      : connection_(path, options), db_(connection_.get()) {
    detail::open_schema(db_);
    prepare();
  }
  sqlite_store(const sqlite_store&) = delete;
  sqlite_store& operator=(const sqlite_store&) = delete;

  result<append_result, store_error> append(std::string_view stream, expected_version expected,
                                            std::span<const pending_event<Set>> batch) {
    return append_recording(stream, expected, batch, nullptr);
  }

  /// @brief As `append`; once the batch is committed, calls `recorded(std::span<const record>)` with
  /// the events as written (not after a re-append that wrote nothing), without the store's lock held.
  template <class Recorded>
    requires std::invocable<Recorded&, std::span<const record>>
  result<append_result, store_error> append(std::string_view stream, expected_version expected,
                                            std::span<const pending_event<Set>> batch, Recorded&& recorded) {
    std::vector<record> written;
    auto appended = append_recording(stream, expected, batch, &written);
    if (appended && !written.empty()) recorded(std::span<const record>(written));
    return appended;
  }

  result<append_result, store_error> append(std::string_view stream, expected_version expected,
                                            std::initializer_list<pending_event<Set>> batch) {
    return append(stream, expected, std::span<const pending_event<Set>>(batch.begin(), batch.size()));
  }

  template <class F>
  std::size_t read_stream(std::string_view stream, std::uint64_t from_version, F&& f) const {
    if (!valid_stream_id(stream)) return 0;
    return read_chunks<record>(
        std::max<std::uint64_t>(from_version, 1),
        [&](std::uint64_t from) -> auto& { return statement(select_stream).reset().bind_blob(1, stream).bind(2, from); },
        [&](record& r, const detail::sqlite_statement& s, codec_reader& codec) { fill(r, s, codec, stream); },
        [&](const record& r) { return detail::deliver(f, r); }, [](const record& r) { return r.version; });
  }

  /// @brief As `read_stream`, with only the version and the event of each row: what a fold needs, at
  /// about half the columns.
  template <class F>
  std::size_t read_events(std::string_view stream, std::uint64_t from_version, F&& f) const {
    if (!valid_stream_id(stream)) return 0;
    return read_chunks<versioned_event>(
        std::max<std::uint64_t>(from_version, 1),
        [&](std::uint64_t from) -> auto& { return statement(select_events).reset().bind_blob(1, stream).bind(2, from); },
        [&](versioned_event& r, const detail::sqlite_statement& s, codec_reader& codec) {
          r.version = static_cast<std::uint64_t>(s.integer(0));
          r.event = decode(s, 1, codec, stream, r.version);
        },
        [&](const versioned_event& r) { return detail::deliver(f, r.version, r.event); },
        [](const versioned_event& r) { return r.version; });
  }

  template <class F>
  std::size_t read_all(std::uint64_t from_position, F&& f) const {
    return read_chunks<record>(
        std::max<std::uint64_t>(from_position, 1),
        [&](std::uint64_t from) -> auto& { return statement(select_all).reset().bind(1, from); },
        [&](record& r, const detail::sqlite_statement& s, codec_reader& codec) { fill(r, s, codec, {}); },
        [&](const record& r) { return detail::deliver(f, r); }, [](const record& r) { return r.position; });
  }

  /// @brief Loads recorded events, envelopes and all, into this empty store (an import or a restore),
  /// in one transaction: all of them or, on any error, none.
  ///
  /// `records` must be the whole history in global order: positions 1, 2, ... and each stream's versions
  /// 1, 2, ... without gaps, unique non-nil ids, non-decreasing times. Throws `std::invalid_argument` if
  /// the store holds events or the records break those rules, `sqlite_error` if the file fails.
  void restore(std::vector<record> records) {
    std::vector<std::string> payloads;
    payloads.reserve(records.size());
    for (const auto& r : records) payloads.push_back(event_codec<Set>::encode(r.event));

    std::lock_guard lock(mutex_);
    transaction tx(db_);
    if (head_locked() != 0) throw std::invalid_argument("chronicle: restore needs an empty store");
    detail::string_map<std::uint64_t> versions;
    clock::time_point last{};
    auto& insert = statement(restore_event);
    for (std::size_t i = 0; i < records.size(); ++i) {
      const auto& r = records[i];
      auto& version = versions[r.stream_id];
      if (!restorable(r, i + 1, version, last)) refuse_restore(i + 1);
      version = r.version;
      last = r.recorded_at;
      insert.reset()
          .bind(1, r.position)
          .bind_blob(2, r.stream_id)
          .bind(3, r.version)
          .bind(4, r.id)
          .bind_text(5, r.type())
          .bind(6, static_cast<std::int64_t>(event_codec<Set>::schema_version(r.event)))
          .bind_text(7, payloads[i])
          .bind(8, r.correlation_id)
          .bind(9, r.causation_id)
          .bind(10, static_cast<std::int64_t>(
                        std::chrono::duration_cast<std::chrono::nanoseconds>(r.recorded_at.time_since_epoch()).count()));
      const int rc = sqlite3_step(insert.raw());
      if (rc != SQLITE_DONE) {
        const std::string message = sqlite3_errmsg(db_);
        insert.reset();
        if ((rc & 0xff) == SQLITE_CONSTRAINT) refuse_restore(i + 1);  // the only one left: a repeated event id
        throw sqlite_error("chronicle: SQLite insert: " + message);
      }
    }
    insert.reset();
    tx.commit();
  }

  [[nodiscard]] std::uint64_t stream_version(std::string_view stream) const {
    if (!valid_stream_id(stream)) return 0;
    std::lock_guard lock(mutex_);
    return version_locked(stream);
  }

  [[nodiscard]] std::uint64_t head_position() const {
    std::lock_guard lock(mutex_);
    return head_locked();
  }

 private:
  // Appends; fills `written` (when given) with the records it committed.
  result<append_result, store_error> append_recording(std::string_view stream, expected_version expected,
                                                      std::span<const pending_event<Set>> batch,
                                                      std::vector<record>* written) {
    if (auto refused = refuse_malformed_append(stream, batch)) return *std::move(refused);

    // Encode outside the transaction: it holds the database's write lock.
    std::vector<std::string> payloads;
    payloads.reserve(batch.size());
    for (const auto& pending : batch) payloads.push_back(event_codec<Set>::encode(pending.event));

    std::lock_guard lock(mutex_);
    transaction tx(db_);
    const std::uint64_t current = version_locked(stream);
    if (!batch.front().id.is_nil()) {
      auto& find = statement(find_id).reset().bind(1, batch.front().id);
      if (find.step()) {
        const auto position = static_cast<std::uint64_t>(find.integer(0));
        const std::string recorded_stream(find.blob(1));
        const auto version = static_cast<std::uint64_t>(find.integer(2));
        find.reset();
        return replay_locked(stream, recorded_stream, version, position, batch);
      }
    }
    if (!expected.admits(current)) return concurrency_conflict{std::string(stream), expected, current};

    std::uint64_t position = 0;  // the rowid SQLite gives each insert: positions are INTEGER PRIMARY KEY
    const auto now = std::max(clock::now(), last_recorded_locked());
    const auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count();
    auto& insert = statement(insert_event);
    for (std::size_t i = 0; i < batch.size(); ++i) {
      const auto& pending = batch[i];
      const event_id id = pending.id.is_nil() ? generate_id_() : pending.id;
      insert.reset()
          .bind_blob(1, stream)
          .bind(2, current + i + 1)
          .bind(3, id)
          .bind_text(4, event_name(pending.event))
          .bind(5, static_cast<std::int64_t>(event_codec<Set>::schema_version(pending.event)))
          .bind_text(6, payloads[i])
          .bind(7, pending.correlation_id)
          .bind(8, pending.causation_id)
          .bind(9, static_cast<std::int64_t>(nanos));
      const int rc = sqlite3_step(insert.raw());
      if (rc != SQLITE_DONE) {
        const std::string message = sqlite3_errmsg(db_);
        insert.reset();
        if ((rc & 0xff) == SQLITE_CONSTRAINT) return duplicate_event{std::string(stream), id};  // tx rolls back
        throw sqlite_error("chronicle: SQLite insert: " + message);
      }
      position = static_cast<std::uint64_t>(sqlite3_last_insert_rowid(db_));
      if (written != nullptr) {
        record& r = written->emplace_back();
        r.stream_id = std::string(stream);
        r.version = current + i + 1;
        r.position = position;
        r.id = id;
        r.correlation_id = pending.correlation_id;
        r.causation_id = pending.causation_id;
        r.recorded_at = now;
        r.event = pending.event;
      }
    }
    tx.commit();
    return append_result{current + batch.size(), position, batch.size()};
  }

  enum statement_id {
    find_id,
    stream_version_of,
    head,
    last_time,
    insert_event,
    restore_event,
    select_stream,
    select_events,
    select_all,
    count
  };
  using codec_reader = typename event_codec<Set>::reader;
  struct versioned_event {
    std::uint64_t version = 0;
    Set event;
  };

  using transaction = detail::sqlite_transaction;

  static constexpr std::size_t chunk_rows = 512;  // rows per read chunk: the LIMIT of the selects

  void prepare() {
    statements_.resize(count);
    statements_[find_id] = {db_, "SELECT position, stream_id, version FROM events WHERE event_id = ?1"};
    statements_[stream_version_of] = {db_, "SELECT COALESCE(MAX(version), 0) FROM events WHERE stream_id = ?1"};
    statements_[head] = {db_, "SELECT COALESCE(MAX(position), 0) FROM events"};
    statements_[last_time] = {db_, "SELECT recorded_at FROM events ORDER BY position DESC LIMIT 1"};
    statements_[insert_event] = {db_,
                                 "INSERT INTO events (stream_id, version, event_id, type, schema_version, payload, "
                                 "correlation_id, causation_id, recorded_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"};
    statements_[restore_event] = {db_,
                                  "INSERT INTO events (position, stream_id, version, event_id, type, schema_version, "
                                  "payload, correlation_id, causation_id, recorded_at) "
                                  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"};
    const std::string limit = " LIMIT " + std::to_string(chunk_rows);
    // The columns `fill` reads, in its order; a stream's reads leave out the stream id they know.
    statements_[select_stream] = {db_,
                                  "SELECT position, version, event_id, type, schema_version, payload, correlation_id, "
                                  "causation_id, recorded_at FROM events WHERE stream_id = ?1 AND version >= ?2 "
                                  "ORDER BY version" + limit};
    statements_[select_events] = {db_,
                                  "SELECT version, type, schema_version, payload FROM events WHERE stream_id = ?1 AND "
                                  "version >= ?2 ORDER BY version" + limit};
    statements_[select_all] = {db_,
                               "SELECT position, version, event_id, type, schema_version, payload, correlation_id, "
                               "causation_id, recorded_at, stream_id FROM events WHERE position >= ?1 "
                               "ORDER BY position" + limit};
  }

  detail::sqlite_statement& statement(statement_id which) const { return statements_[which]; }

  std::uint64_t version_locked(std::string_view stream) const {
    auto& s = statement(stream_version_of).reset().bind_blob(1, stream);
    s.step();
    const auto v = static_cast<std::uint64_t>(s.integer(0));
    s.reset();
    return v;
  }
  std::uint64_t head_locked() const {
    auto& s = statement(head).reset();
    s.step();
    const auto v = static_cast<std::uint64_t>(s.integer(0));
    s.reset();
    return v;
  }
  clock::time_point last_recorded_locked() const {
    auto& s = statement(last_time).reset();
    clock::time_point t{};
    if (s.step()) t = clock::time_point(std::chrono::duration_cast<clock::duration>(std::chrono::nanoseconds(s.integer(0))));
    s.reset();
    return t;
  }

  // The batch's first id is recorded: the original result if it is this very batch at this place.
  result<append_result, store_error> replay_locked(std::string_view stream, std::string_view recorded_stream,
                                                   std::uint64_t first_version, std::uint64_t first_position,
                                                   std::span<const pending_event<Set>> batch) const {
    if (recorded_stream != stream) return duplicate_event{std::string(stream), batch.front().id};
    std::uint64_t last_position = first_position;
    std::size_t matched = 0;
    read_locked_stream(stream, first_version, [&](const event_id& id, std::uint64_t position) {
      if (matched == batch.size()) return false;
      if (id != batch[matched].id) return false;
      last_position = position;
      return ++matched < batch.size();
    });
    if (matched != batch.size()) return duplicate_event{std::string(stream), batch[matched < batch.size() ? matched : 0].id};
    return append_result{first_version + batch.size() - 1, last_position, batch.size()};
  }

  template <class F>
  void read_locked_stream(std::string_view stream, std::uint64_t from, F&& f) const {
    auto& s = statement(select_stream).reset().bind_blob(1, stream).bind(2, from);
    while (s.step())
      if (!f(s.id(2), static_cast<std::uint64_t>(s.integer(0)))) break;
    s.reset();
  }


  // The event in columns `first` (type), `first + 1` (schema version) and `first + 2` (payload).
  static Set decode(const detail::sqlite_statement& s, int first, codec_reader& codec, std::string_view stream,
                    std::uint64_t version) {
    auto event = codec.decode(s.text(first), static_cast<std::uint32_t>(s.integer(first + 1)), s.text(first + 2));
    if (!event) {
      auto error = std::move(event).error();
      error.stream_id = std::string(stream);
      error.version = version;
      throw sqlite_error("chronicle: a stored event does not decode: " + describe(error));
    }
    return std::move(*event);
  }

  // Overwrites `r` with the current row, reusing its strings' storage. `stream` is the stream read, or
  // empty for the global order (whose rows carry it in column 9).
  static void fill(record& r, const detail::sqlite_statement& s, codec_reader& codec, std::string_view stream) {
    r.position = static_cast<std::uint64_t>(s.integer(0));
    r.stream_id.assign(stream.empty() ? s.blob(9) : stream);
    r.version = static_cast<std::uint64_t>(s.integer(1));
    r.id = s.id(2);
    r.correlation_id = s.id(6);
    r.causation_id = s.id(7);
    r.recorded_at = clock::time_point(std::chrono::duration_cast<clock::duration>(std::chrono::nanoseconds(s.integer(8))));
    r.event = decode(s, 3, codec, r.stream_id, r.version);
  }

  // Reads up to 512 rows into `Row`s under the mutex, then delivers them without it, until done or
  // stopped; the rows are reused from one chunk to the next.
  template <class Row, class Query, class Fill, class Deliver, class Key>
  std::size_t read_chunks(std::uint64_t from, Query&& query, Fill&& fill_row, Deliver&& deliver, Key&& key) const {
    std::size_t seen = 0;
    std::vector<Row> chunk;
    codec_reader codec;
    for (;;) {
      std::size_t rows = 0;
      {
        std::lock_guard lock(mutex_);
        auto& s = query(from);
        detail::reset_on_exit done(s);
        while (s.step()) {
          if (rows == chunk.size()) chunk.emplace_back();
          fill_row(chunk[rows++], s, codec);
        }
      }
      for (std::size_t i = 0; i < rows; ++i) {
        ++seen;
        if (!deliver(chunk[i])) return seen;
      }
      if (rows < chunk_rows) return seen;
      from = key(chunk[rows - 1]) + 1;
    }
  }

  detail::sqlite_connection connection_;  // first: closed after the statements
  sqlite3* db_;
  mutable std::mutex mutex_;
  mutable std::vector<detail::sqlite_statement> statements_;
  id_generator generate_id_;
};

/// @brief Stored snapshots in a SQLite table (`snapshots`), for `json_snapshot_store<State,
/// sqlite_stored_snapshots>`: snapshots survive restarts and are shared by every process on the file.
/// Keeps a snapshot unless the stream has a newer one of the same schema. Thread-safe.
class sqlite_stored_snapshots {
 public:
  explicit sqlite_stored_snapshots(const std::string& path, sqlite_options options = {})
      : connection_(path, options), db_(connection_.get()) {
    detail::open_schema(db_);
    save_ = {db_,
             "INSERT INTO snapshots (stream_id, version, schema_version, payload) VALUES (?1, ?2, ?3, ?4) "
             "ON CONFLICT (stream_id) DO UPDATE SET version = excluded.version, "
             "schema_version = excluded.schema_version, payload = excluded.payload "
             "WHERE snapshots.version <= excluded.version OR snapshots.schema_version <> excluded.schema_version"};
    load_ = {db_, "SELECT version, schema_version, payload FROM snapshots WHERE stream_id = ?1"};
    erase_ = {db_, "DELETE FROM snapshots WHERE stream_id = ?1"};
  }
  sqlite_stored_snapshots(const sqlite_stored_snapshots&) = delete;
  sqlite_stored_snapshots& operator=(const sqlite_stored_snapshots&) = delete;

  void save(std::string_view stream, const stored_snapshot& snap) {
    std::lock_guard lock(mutex_);
    save_.reset().bind_blob(1, stream).bind(2, snap.version).bind(3, static_cast<std::int64_t>(snap.schema_version)).bind_text(4, snap.payload);
    save_.step();
    save_.reset();
  }
  [[nodiscard]] std::optional<stored_snapshot> load(std::string_view stream) const {
    std::lock_guard lock(mutex_);
    load_.reset().bind_blob(1, stream);
    std::optional<stored_snapshot> out;
    if (load_.step())
      out = stored_snapshot{static_cast<std::uint64_t>(load_.integer(0)), static_cast<std::uint32_t>(load_.integer(1)),
                            std::string(load_.text(2))};
    load_.reset();
    return out;
  }
  void erase(std::string_view stream) {
    std::lock_guard lock(mutex_);
    erase_.reset().bind_blob(1, stream);
    erase_.step();
    erase_.reset();
  }

 private:
  detail::sqlite_connection connection_;  // first: closed after the statements
  sqlite3* db_;
  mutable std::mutex mutex_;
  detail::sqlite_statement save_;
  mutable detail::sqlite_statement load_;
  detail::sqlite_statement erase_;
};

/// @brief A `checkpoint_store` in a SQLite table (`checkpoints`, shared with `sqlite_read_model`):
/// checkpoints survive restarts and every process on the file sees them. Names are bound as text,
/// any bytes. Thread-safe.
class sqlite_checkpoint_store {
 public:
  explicit sqlite_checkpoint_store(const std::string& path, sqlite_options options = {})
      : connection_(path, options), db_(connection_.get()) {
    detail::open_schema(db_);
    load_ = {db_, "SELECT position FROM checkpoints WHERE name = ?1"};
    save_ = {db_,
             "INSERT INTO checkpoints (name, position) VALUES (?1, ?2) "
             "ON CONFLICT (name) DO UPDATE SET position = excluded.position"};
    erase_ = {db_, "DELETE FROM checkpoints WHERE name = ?1"};
  }
  sqlite_checkpoint_store(const sqlite_checkpoint_store&) = delete;
  sqlite_checkpoint_store& operator=(const sqlite_checkpoint_store&) = delete;

  [[nodiscard]] std::uint64_t load(std::string_view name) const {
    std::lock_guard lock(mutex_);
    load_.reset().bind_text(1, name);
    detail::reset_on_exit done(load_);
    return load_.step() ? static_cast<std::uint64_t>(load_.integer(0)) : 0;
  }
  void save(std::string_view name, std::uint64_t position) {
    std::lock_guard lock(mutex_);
    save_.reset().bind_text(1, name).bind(2, position);
    detail::reset_on_exit done(save_);
    save_.step();
  }
  void erase(std::string_view name) {
    std::lock_guard lock(mutex_);
    erase_.reset().bind_text(1, name);
    detail::reset_on_exit done(erase_);
    erase_.step();
  }

 private:
  detail::sqlite_connection connection_;  // first: closed after the statements
  sqlite3* db_;
  mutable std::mutex mutex_;
  mutable detail::sqlite_statement load_;
  detail::sqlite_statement save_;
  detail::sqlite_statement erase_;
};

}  // namespace v0
}  // namespace chronicle
