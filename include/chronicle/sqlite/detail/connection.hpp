#pragma once
// What chronicle's SQLite classes share: statements, connections, transactions, and the rules for
// opening a file (whose it is, its schema version, waiting while another process holds it).
#include <chronicle/envelope.hpp>
#include <chronicle/sqlite/options.hpp>

#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace chronicle {
inline namespace v0 {
namespace detail {

[[noreturn]] inline void throw_sqlite(sqlite3* db, const std::string& what) {
  throw sqlite_error("chronicle: " + what + sqlite3_errmsg(db), sqlite3_extended_errcode(db));
}

// Owns one prepared statement; callers reset it before each use (`reset()`) and after (`reset_on_exit`).
class sqlite_statement {
 public:
  sqlite_statement() = default;
  sqlite_statement(sqlite3* db, std::string_view sql) : db_(db) {
    if (sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr) !=
        SQLITE_OK)
      throw_sqlite(db, "preparing SQL failed: ");
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
  // Callers keep unsigned values within int64 (reads past INT64_MAX find nothing before binding).
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
    throw_sqlite(db_, "SQLite: ");
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
    if (rc != SQLITE_OK) throw_sqlite(db_, "SQLite bind: ");
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
    throw sqlite_error("chronicle: SQLite: " + text, sqlite3_extended_errcode(db));
  }
}

// The first column of the first row of `sql`, finished before anything writes (a read left open
// would turn writes into SQLITE_BUSY).
inline std::int64_t sqlite_integer(sqlite3* db, std::string_view sql) {
  sqlite_statement s(db, sql);
  return s.step() ? s.integer(0) : 0;
}

// One open database with its synchronous level and busy timeout set; closed last, after every
// statement of its owner (declare it first). Opening touches nothing in the file: whose it is is
// checked first (`claim_file`), and only then is it switched to WAL.
class sqlite_connection {
 public:
  sqlite_connection(const std::string& path, const sqlite_options& options)
      // Clamped to what SQLite's busy handler takes (an int of milliseconds, about 24 days): a longer
      // or "endless" timeout waits that long, a negative one not at all.
      : timeout_(std::clamp<std::chrono::milliseconds::rep>(options.busy_timeout.count(), 0, INT_MAX)) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        nullptr) != SQLITE_OK) {
      const std::string message = db_ ? sqlite3_errmsg(db_) : "out of memory";
      sqlite3_close(db_);
      throw sqlite_error("chronicle: cannot open '" + path + "': " + message, SQLITE_CANTOPEN);
    }
    try {
      sqlite3_busy_timeout(db_, static_cast<int>(timeout_.count()));
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
  [[nodiscard]] std::chrono::milliseconds busy_timeout() const noexcept { return timeout_; }

 private:
  sqlite3* db_ = nullptr;
  std::chrono::milliseconds timeout_;
};

// A connection with its prepared statements, and the mutex that serialises them.
struct sqlite_lane {
  sqlite_lane(const std::string& path, const sqlite_options& options) : connection(path, options) {}
  sqlite_connection connection;  // first: closed after the statements
  std::mutex mutex;
  std::vector<sqlite_statement> statements;
};

// Runs `f` again while SQLite reports the database busy or locked, until the busy timeout has passed
// (an attempt that started before then may itself wait up to the timeout in SQLite's busy handler).
// That handler covers most waits, but not all of those while a file is being created (a journal-mode
// change, the schema read during another connection's recovery): those fail at once.
template <class F>
decltype(auto) while_busy(const sqlite_connection& connection, F&& f) {
  const auto deadline = std::chrono::steady_clock::now() + connection.busy_timeout();
  for (auto pause = std::chrono::microseconds(50);; pause = std::min(pause * 2, std::chrono::microseconds(5000))) {
    try {
      return f();
    } catch (const sqlite_error& e) {
      const int primary = e.code() & 0xff;
      if ((primary != SQLITE_BUSY && primary != SQLITE_LOCKED) || std::chrono::steady_clock::now() >= deadline) throw;
    }
    std::this_thread::sleep_for(pause);
  }
}

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

// The file's tables, created together (by whichever class opens the file first) under one version
// in `PRAGMA user_version`. A file of a newer version is refused before anything touches it; an older
// one is brought up to date in the same transaction. Version 1 had only the events table (the others
// came with the classes that used them); version 2 creates all three.
inline constexpr int sqlite_schema_version = 2;

// chronicle's mark in the file header (`PRAGMA application_id`): "CHRN".
inline constexpr std::int64_t sqlite_application_id = 0x4348524E;

// Marks the file as chronicle's; inside the transaction that creates its tables.
inline void mark_file(sqlite3* db) {
  sqlite_exec(db, ("PRAGMA application_id = " + std::to_string(sqlite_application_id)).c_str());
}

// The file's schema version; refuses one newer than this code's.
inline std::int64_t schema_version_of(sqlite3* db) {
  const std::int64_t found = sqlite_integer(db, "PRAGMA user_version");
  if (found > sqlite_schema_version)
    throw sqlite_error("chronicle: the file has schema version " + std::to_string(found) + ", newer than this code's " +
                       std::to_string(sqlite_schema_version));
  return found;
}

// Whether the file is chronicle's: marked with our application id, or empty (a new file), or written
// before the mark existed (application id 0, and chronicle's events table at schema version 1 or 2, or
// the checkpoints table a read model's own file had). Anything else is another application's
// database, refused by reading its header alone; the connection then closes without checkpointing
// the file's WAL, so its bytes stay as they were. Returns whether the file still needs the mark.
inline bool claim_file(sqlite3* db) {
  // One statement, so one consistent view of a file that another process may be creating right now.
  sqlite_statement header(
      db,
      "SELECT (SELECT application_id FROM pragma_application_id()), (SELECT user_version FROM pragma_user_version()), "
      "(SELECT count(*) FROM sqlite_master), (SELECT count(*) FROM sqlite_master WHERE type = 'table' AND "
      "((name = 'events' AND sql LIKE '%(position INTEGER PRIMARY KEY, stream_id BLOB NOT NULL, version INTEGER "
      "NOT NULL, event_id BLOB NOT NULL UNIQUE, type TEXT NOT NULL, schema_version INTEGER NOT NULL, payload TEXT%') "
      "OR (name = 'checkpoints' AND sql LIKE '%(name TEXT PRIMARY KEY, position INTEGER NOT NULL)')))");
  header.step();
  const std::int64_t application = header.integer(0);
  const std::int64_t version = header.integer(1);
  const bool empty = version == 0 && header.integer(2) == 0;
  const bool ours = header.integer(3) > 0 && version >= 0 && version <= sqlite_schema_version;
  header.reset();
  if (application == sqlite_application_id) return false;
  if (application != 0 || (!empty && !ours)) {
    sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
    throw sqlite_foreign_file(
        "chronicle: the file is not empty and not chronicle's (another application's database): refused, "
        "nothing written");
  }
  return true;
}

// The journal mode, after the file is known to be chronicle's. WAL is a property of the file, so
// only the first opener changes it.
inline void use_wal(sqlite3* db) {
  sqlite_statement mode(db, "PRAGMA journal_mode");
  if (mode.step() && mode.text(0) == "wal") return;
  mode.reset();
  sqlite_statement change(db, "PRAGMA journal_mode=WAL");
  // SQLite answers with the mode the file is in: not WAL means another connection held it.
  if (!change.step() || change.text(0) != "wal")
    throw sqlite_error("chronicle: SQLite: the file could not be switched to WAL", SQLITE_BUSY);
}

// Opens the file for the event store, snapshots and checkpoints: claims it, switches it to WAL and
// creates or upgrades the whole schema, waiting while another connection holds it.
inline void open_schema(const sqlite_connection& connection) {
  sqlite3* db = connection.get();
  while_busy(connection, [&] {
    const bool mark = claim_file(db);
    if (!mark && schema_version_of(db) == sqlite_schema_version) return use_wal(db);
    use_wal(db);
    sqlite_transaction tx(db);  // several processes may create the file at once
    // Again under the write lock: another process may have created or upgraded it meanwhile.
    if (claim_file(db)) mark_file(db);
    if (schema_version_of(db) != sqlite_schema_version) {
      sqlite_exec(db,
                  "CREATE TABLE IF NOT EXISTS events (position INTEGER PRIMARY KEY, stream_id BLOB NOT NULL, "
                  "version INTEGER NOT NULL, event_id BLOB NOT NULL UNIQUE, type TEXT NOT NULL, "
                  "schema_version INTEGER NOT NULL, payload TEXT NOT NULL, correlation_id BLOB NOT NULL, "
                  "causation_id BLOB NOT NULL, recorded_at INTEGER NOT NULL, UNIQUE (stream_id, version))");
      sqlite_exec(db,
                  "CREATE TABLE IF NOT EXISTS snapshots (stream_id BLOB PRIMARY KEY, version INTEGER NOT NULL, "
                  "schema_version INTEGER NOT NULL, payload TEXT NOT NULL)");
      sqlite_exec(db, "CREATE TABLE IF NOT EXISTS checkpoints (name TEXT PRIMARY KEY, position INTEGER NOT NULL)");
      sqlite_exec(db, ("PRAGMA user_version = " + std::to_string(sqlite_schema_version)).c_str());
    }
    tx.commit();
  });
}

// Opens the file for a class that keeps its statements prepared: the schema as `open_schema` makes
// it, then `prepare()`, which may also meet a busy file (its schema read during another connection's
// recovery).
template <class Prepare>
void open_tables(const sqlite_connection& connection, Prepare&& prepare) {
  open_schema(connection);
  while_busy(connection, prepare);
}

// Opens a read model's file: claims it, switches it to WAL and runs `create` (the checkpoints table
// and the projection's own) in one transaction, waiting while another connection holds it.
template <class Create>
void open_read_model_file(const sqlite_connection& connection, Create&& create) {
  sqlite3* db = connection.get();
  while_busy(connection, [&] {
    claim_file(db);
    schema_version_of(db);
    use_wal(db);
    sqlite_transaction tx(db);
    if (claim_file(db)) mark_file(db);
    sqlite_exec(db, "CREATE TABLE IF NOT EXISTS checkpoints (name TEXT PRIMARY KEY, position INTEGER NOT NULL)");
    create();
    tx.commit();
  });
}

}  // namespace detail
}  // namespace v0
}  // namespace chronicle
