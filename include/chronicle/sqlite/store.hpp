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
/// The file is marked as chronicle's (`PRAGMA application_id`); a file that is neither empty nor
/// chronicle's is refused with `sqlite_foreign_file` before anything is written to it.
///
/// Appends run in `BEGIN IMMEDIATE` transactions; the file is in WAL mode with `synchronous` FULL by
/// default. A busy database is waited for up to `busy_timeout`, also while the file is opened and
/// created, then reported as `sqlite_error`.
///
/// Rows keep each event's payload and schema version as recorded (an import keeps old versions);
/// reads upcast. A read takes rows in chunks of up to 512 rows or 1 MiB of payload, so its memory is
/// bounded by the largest event, not by how many it reads.
///
/// Thread safety: any member may be called from any thread. A store holds three connections, each
/// behind a mutex: appends and restores write through one; reads of a stream use it too while no
/// append is under way, and otherwise (and reads of the global order always) go through the other two,
/// which WAL lets read beside the writer. Several stores (threads or processes) may open one file.
/// Read callbacks run with no mutex held (rows are read in chunks), so they may append.
///
/// Group commit (`sqlite_options::group_commit`, on by default): appends from several threads through
/// one store that overlap are run in one transaction, each under a savepoint of its own, and all
/// return after its one COMMIT. Each keeps its own expected-version check and outcome: a refused one
/// is rolled back alone. None returns before the shared commit (detail/group_commit.hpp). A failed
/// BEGIN or COMMIT fails every append of the group, each with its own copy of the `sqlite_error`.
#include <chronicle/checkpoint_store.hpp>
#include <chronicle/detail/durable_store.hpp>
#include <chronicle/detail/function_ref.hpp>
#include <chronicle/detail/group_commit.hpp>
#include <chronicle/envelope.hpp>
#include <chronicle/error.hpp>
#include <chronicle/json/event_codec.hpp>
#include <chronicle/event_store.hpp>
#include <chronicle/id_generator.hpp>
#include <chronicle/json/snapshot_store.hpp>
#include <chronicle/sqlite/checkpoint_store.hpp>
#include <chronicle/sqlite/options.hpp>
#include <chronicle/sqlite/snapshots.hpp>
#include <chronicle/sqlite/detail/connection.hpp>
#include <chronicle/sqlite/detail/rows.hpp>
#include <chronicle/detail/string_map.hpp>

#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <concepts>
#include <cstring>
#include <exception>
#include <functional>
#include <memory>
#include <initializer_list>
#include <mutex>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace chronicle {
inline namespace v0 {

/// @brief An `event_store` in a SQLite file. Requires the `chronicle::sqlite` CMake component.
template <event_set Set>
class sqlite_store : public detail::durable_store<sqlite_store<Set>, Set, sqlite_error> {
  static_assert(detail::event_set_diagnostics<events_of<Set>>::value);
  using base = detail::durable_store<sqlite_store<Set>, Set, sqlite_error>;
  friend base;

 public:
  using typename base::event_type;
  using typename base::record;
  using base::append;
  using base::restore;
  static constexpr int schema_version = detail::sqlite_schema_version;

  /// @brief Opens (or creates) the file. Throws `sqlite_foreign_file` for another application's
  /// database (nothing written to it), `sqlite_error` for a newer schema or a failing file.
  explicit sqlite_store(const std::string& path, sqlite_options options = {})
      : writer_(path, options), db_(writer_.connection.get()), group_commit_(options.group_commit) {
    reading_.max_payload_size = options.max_payload_size;
    detail::open_tables(writer_.connection, [&] { prepare(writer_); });
    for (auto& reader : readers_) {  // once the file is known to be chronicle's and has its tables
      reader = std::make_unique<lane>(path, options);
      detail::while_busy(reader->connection, [&] { prepare(*reader); });
    }
  }
  sqlite_store(const sqlite_store&) = delete;
  sqlite_store& operator=(const sqlite_store&) = delete;

  // Each read wraps its callback in a function_ref and hands it to a reader compiled once per store:
  // a new callback costs its own small wrapper, not another copy of the chunked read and decoding.
  template <class F>
  std::size_t read_stream(std::string_view stream, std::uint64_t from_version, F&& f) const {
    if (!valid_stream_id(stream)) return 0;
    auto deliver = [&](const record& r) { return detail::deliver(f, r); };
    return read_stream_records(stream, from_version, deliver);
  }

  /// @brief As `read_stream`, with only the version and the event of each row: what a fold needs, at
  /// about half the columns.
  template <class F>
  std::size_t read_events(std::string_view stream, std::uint64_t from_version, F&& f) const {
    if (!valid_stream_id(stream)) return 0;
    auto deliver = [&](const versioned_event& r) { return detail::deliver(f, r.version, r.event); };
    return read_stream_events(stream, from_version, deliver);
  }

  template <class F>
  std::size_t read_all(std::uint64_t from_position, F&& f) const {
    auto deliver = [&](const record& r) { return detail::deliver(f, r); };
    return read_all_records(from_position, deliver);
  }

  /// @brief As `read_all`, calling `f(const encoded_record&)` with each event as recorded: its schema
  /// version and payload as written, not upcast or decoded. Exports use it, so a history exported
  /// from this store is the one that was recorded.
  template <class F>
  std::size_t read_all_encoded(std::uint64_t from_position, F&& f) const {
    auto deliver = [&](const encoded_record& r) { return detail::deliver(f, r); };
    return read_all_encoded_records(from_position, deliver);
  }

  [[nodiscard]] std::uint64_t stream_version(std::string_view stream) const {
    if (!valid_stream_id(stream)) return 0;
    auto [lock, reader] = take_reader();
    return version_locked(stream, *reader);
  }

  [[nodiscard]] std::uint64_t head_position() const {
    auto [lock, reader] = take_reader();
    return head_locked(*reader);
  }

  /// @brief How many transactions this store's appends have committed: fewer than its appends when
  /// group commit combined some (`sqlite_options::group_commit`).
  [[nodiscard]] std::uint64_t append_commits() const noexcept { return commits_.load(std::memory_order_relaxed); }

  /// @brief Where the event with `id` is recorded, if it is (nil ids never are).
  [[nodiscard]] std::optional<event_location> find_event(const event_id& id) const {
    if (id.is_nil()) return std::nullopt;
    auto [lock, reader] = take_reader();
    auto& find = statement(find_id, *reader).reset().bind(1, id);
    detail::reset_on_exit done(find);
    if (!find.step()) return std::nullopt;
    return event_location{std::string(find.blob(1)), static_cast<std::uint64_t>(find.integer(2)),
                          static_cast<std::uint64_t>(find.integer(0))};
  }

 private:
  // One append on its way into a group: what it asks, and what became of it.
  struct append_request {
    std::string_view stream;
    expected_version expected;
    std::span<const pending_event<Set>> batch;
    const std::vector<std::string>* payloads;
    std::vector<record>* written;  // filled, when given, with the records it committed
    std::optional<result<append_result, store_error>> outcome;
    std::exception_ptr failure;  // instead of an outcome: what the database threw
    std::atomic<int> state{0};   // the commit queue's
  };

  // Appends; fills `written` (when given) with the records it committed.
  result<append_result, store_error> append_recording(std::string_view stream, expected_version expected,
                                                      std::span<const pending_event<Set>> batch,
                                                      std::vector<record>* written) {
    if (auto refused = refuse_malformed_append(stream, batch)) return *std::move(refused);
    // Encode outside the transaction: it holds the database's write lock.
    auto encoded = base::encode_batch(stream, batch, reading_.max_payload_size);
    if (!encoded) return std::move(encoded).error();

    append_request request{stream, expected, batch, &*encoded, written, std::nullopt, nullptr};
    if (group_commit_)
      queue_.submit(request, [this](std::span<append_request* const> group) { commit_group(group); });
    else
      commit_group(std::span<append_request* const>(std::array{&request}));
    if (request.failure) rethrow_own_copy(request.failure);
    return *std::move(request.outcome);
  }

  // Runs a group of appends in one transaction. Each append is checked and inserted under a savepoint
  // of its own, so one that is refused (a conflict, a duplicate id) is rolled back alone, and the
  // others commit. The append during which the database throws (a full disk, an I/O error) gets the
  // error; the transaction is rolled back and the others run again in a new one, so a lasting failure
  // reaches each of them in turn. A failed BEGIN or COMMIT fails the whole group, none of it written.
  void commit_group(std::span<append_request* const> group) noexcept {
    try {
      std::lock_guard lock(writer_.mutex);
      commit_locked(group);
    } catch (...) {
      for (append_request* r : group) fail(*r, std::current_exception());
    }
  }

  void commit_locked(std::span<append_request* const> group) {
    for (;;) {
      const auto left = std::count_if(group.begin(), group.end(), [](const append_request* r) { return !r->failure; });
      if (left == 0) return;
      const bool alone = left == 1;  // then a refusal rolls back the transaction: no savepoint needed
      transaction tx(db_);
      bool again = false;
      bool accepted = false;  // whether any append stands, so the transaction has something to commit
      for (append_request* r : group) {
        if (r->failure) continue;
        try {
          if (!alone) statement(savepoint).reset().step();
          r->outcome = append_locked(*r);
          accepted = accepted || r->outcome->has_value();
          if (!alone) {
            if (!*r->outcome) statement(roll_back_to_savepoint).reset().step();
            statement(release_savepoint).reset().step();
          }
        } catch (...) {
          fail(*r, std::current_exception());
          again = true;
          break;
        }
      }
      if (again) continue;  // `tx` rolls back; the others run again without the one that threw
      if (!accepted) return;  // `tx` rolls back
      tx.commit();
      commits_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
  }

  // The appends of a group that failed together share one exception object: each caller throws a
  // copy of its own, so a handler may change what it caught.
  [[noreturn]] static void rethrow_own_copy(const std::exception_ptr& failure) {
    try {
      std::rethrow_exception(failure);
    } catch (const sqlite_error& e) {
      throw sqlite_error(e.what(), e.code());
    }
  }

  static void fail(append_request& r, std::exception_ptr e) noexcept {
    r.failure = std::move(e);
    r.outcome.reset();
    if (r.written != nullptr) r.written->clear();
  }

  // One append of a group, inside its transaction.
  result<append_result, store_error> append_locked(append_request& r) {
    if (r.written != nullptr) r.written->clear();  // a group run again starts the append afresh
    if (auto replayed = replay_of_locked(r.stream, r.batch)) return *std::move(replayed);
    const std::uint64_t current = version_locked(r.stream);
    if (!r.expected.admits(current)) return concurrency_conflict{std::string(r.stream), r.expected, current};
    return insert_locked(r.stream, current, r.batch, *r.payloads, r.written);
  }

  // The answer to a batch whose first id is already recorded: its first append's result, or why not.
  std::optional<result<append_result, store_error>> replay_of_locked(std::string_view stream,
                                                                     std::span<const pending_event<Set>> batch) {
    if (batch.front().id.is_nil()) return std::nullopt;
    auto& find = statement(find_id).reset().bind(1, batch.front().id);
    detail::reset_on_exit done(find);
    if (!find.step()) return std::nullopt;
    const auto position = static_cast<std::uint64_t>(find.integer(0));
    const std::string recorded_stream(find.blob(1));
    const auto version = static_cast<std::uint64_t>(find.integer(2));
    find.reset();
    return replay_locked(stream, recorded_stream, version, position, batch);
  }

  // Inserts the batch after version `current`, appending what it wrote to `written` if given.
  result<append_result, store_error> insert_locked(std::string_view stream, std::uint64_t current,
                                                   std::span<const pending_event<Set>> batch,
                                                   const std::vector<std::string>& payloads, std::vector<record>* written) {
    std::uint64_t position = 0;  // the rowid SQLite gives each insert: positions are INTEGER PRIMARY KEY
    const auto now = std::max(clock::now(), last_recorded_locked());
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
          .bind(9, detail::to_nanos(now));
      if (sqlite3_step(insert.raw()) != SQLITE_DONE) {
        const int code = sqlite3_extended_errcode(db_);
        const std::string message = sqlite3_errmsg(db_);
        insert.reset();
        // The event id's unique index (the version was checked in this transaction). Any other
        // constraint, such as a trigger or an index another application added, is the database's failure.
        if (detail::repeats_event_id(code, message)) return duplicate_event{std::string(stream), id};
        throw sqlite_error("chronicle: SQLite insert: " + message, code);
      }
      position = static_cast<std::uint64_t>(sqlite3_last_insert_rowid(db_));
      if (written != nullptr)
        written->push_back(record{{std::string(stream), current + i + 1, position, id, now, pending.correlation_id,
                                   pending.causation_id},
                                  pending.event});
    }
    return append_result{current + batch.size(), position, batch.size()};
  }

  enum statement_id {
    savepoint,
    release_savepoint,
    roll_back_to_savepoint,
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
  // A connection with its prepared statements, and the mutex that serialises them. Appends and
  // restores write through one lane; the public reads go through it too when it is free, and else
  // through two others, so a read never waits for a group's transaction (WAL lets it read beside the
  // writer, and it sees every commit made before it started), nor, mostly, for another read.
  using lane = detail::sqlite_lane;
  static constexpr std::size_t reader_count = 2;

  using codec_reader = typename event_codec<Set>::reader;
  const json_options& reading() const noexcept { return reading_; }
  struct versioned_event {
    std::uint64_t version = 0;
    Set event;
  };

  using transaction = detail::sqlite_transaction;

  static constexpr std::size_t chunk_rows = detail::sqlite_chunk_rows;  // the LIMIT of the selects

  using typename base::restored_row;

  // Inserts `rows` rows given by `row(i)` into the empty store, in one transaction.
  template <class Row>
  void restore_rows(std::size_t rows, Row&& row) {
    std::lock_guard lock(writer_.mutex);
    transaction tx(db_);
    if (head_locked() != 0) throw std::invalid_argument("chronicle: restore needs an empty store");
    detail::restore_rules rules(reading_.max_payload_size);
    auto& insert = statement(restore_event);
    for (std::size_t i = 0; i < rows; ++i) {
      const restored_row next = row(i);
      const envelope& r = *next.r;
      rules.check(r, next.payload.size());
      insert.reset()
          .bind(1, r.position)
          .bind_blob(2, r.stream_id)
          .bind(3, r.version)
          .bind(4, r.id)
          .bind_text(5, next.type)
          .bind(6, static_cast<std::int64_t>(next.schema_version))
          .bind_text(7, next.payload)
          .bind(8, r.correlation_id)
          .bind(9, r.causation_id)
          .bind(10, detail::to_nanos(r.recorded_at));
      if (sqlite3_step(insert.raw()) != SQLITE_DONE) {
        const int code = sqlite3_extended_errcode(db_);
        const std::string message = sqlite3_errmsg(db_);
        insert.reset();
        if (detail::repeats_event_id(code, message)) refuse_restore(r.position, "repeats an event id");
        throw sqlite_error("chronicle: SQLite insert: " + message, code);
      }
    }
    insert.reset();
    tx.commit();
  }

  static void prepare(lane& on) {
    sqlite3* db = on.connection.get();
    auto& into = on.statements;
    into.resize(count);
    into[savepoint] = {db, "SAVEPOINT chronicle_append"};
    into[release_savepoint] = {db, "RELEASE chronicle_append"};
    into[roll_back_to_savepoint] = {db, "ROLLBACK TO chronicle_append"};
    into[find_id] = {db, "SELECT position, stream_id, version FROM events WHERE event_id = ?1"};
    into[stream_version_of] = {db, "SELECT COALESCE(MAX(version), 0) FROM events WHERE stream_id = ?1"};
    into[head] = {db, "SELECT COALESCE(MAX(position), 0) FROM events"};
    into[last_time] = {db, "SELECT recorded_at FROM events ORDER BY position DESC LIMIT 1"};
    into[insert_event] = {db,
                                 "INSERT INTO events (stream_id, version, event_id, type, schema_version, payload, "
                                 "correlation_id, causation_id, recorded_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"};
    into[restore_event] = {db,
                                  "INSERT INTO events (position, stream_id, version, event_id, type, schema_version, "
                                  "payload, correlation_id, causation_id, recorded_at) "
                                  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"};
    const std::string limit = " LIMIT " + std::to_string(chunk_rows);
    // The columns `fill` reads, in its order; a stream's reads leave out the stream id they know.
    into[select_stream] = {db,
                                  "SELECT position, version, event_id, type, schema_version, payload, correlation_id, "
                                  "causation_id, recorded_at FROM events WHERE stream_id = ?1 AND version >= ?2 "
                                  "ORDER BY version" + limit};
    into[select_events] = {db,
                                  "SELECT version, type, schema_version, payload FROM events WHERE stream_id = ?1 AND "
                                  "version >= ?2 ORDER BY version" + limit};
    into[select_all] = {db,
                               "SELECT position, version, event_id, type, schema_version, payload, correlation_id, "
                               "causation_id, recorded_at, stream_id FROM events WHERE position >= ?1 "
                               "ORDER BY position" + limit};
  }


  // A connection for one step of a read, locked: the writer's when no append is under way and the
  // read is a short one (a stream's, not the global order's chunks, which catch-ups read while others
  // append), as with one thread: its page cache holds what it wrote, where a reader's cache is dropped
  // after every commit, which cost single-threaded W1 a fifth of its speed. Else a free reader, else
  // the reader this thread's id picks. (Reading on the writer while appends queue would hold up
  // their group.)
  std::pair<std::unique_lock<std::mutex>, lane*> take_reader(bool short_read = true) const {
    if (short_read && queue_.idle())
      if (std::unique_lock lock(writer_.mutex, std::try_to_lock); lock) return {std::move(lock), &writer_};
    for (const auto& r : readers_)
      if (std::unique_lock lock(r->mutex, std::try_to_lock); lock) return {std::move(lock), r.get()};
    lane* picked = readers_[std::hash<std::thread::id>{}(std::this_thread::get_id()) % reader_count].get();
    return {std::unique_lock(picked->mutex), picked};
  }

  detail::sqlite_statement& statement(statement_id which) const { return writer_.statements[which]; }
  static detail::sqlite_statement& statement(statement_id which, lane& on) { return on.statements[which]; }

  std::uint64_t version_locked(std::string_view stream) const { return version_locked(stream, writer_); }
  static std::uint64_t version_locked(std::string_view stream, lane& on) {
    auto& s = statement(stream_version_of, on).reset().bind_blob(1, stream);
    detail::reset_on_exit done(s);
    s.step();
    return static_cast<std::uint64_t>(s.integer(0));
  }
  std::uint64_t head_locked() const { return head_locked(writer_); }
  static std::uint64_t head_locked(lane& on) {
    auto& s = statement(head, on).reset();
    detail::reset_on_exit done(s);
    s.step();
    return static_cast<std::uint64_t>(s.integer(0));
  }
  clock::time_point last_recorded_locked() const {
    auto& s = statement(last_time).reset();
    detail::reset_on_exit done(s);
    return s.step() ? detail::from_nanos(s.integer(0)) : clock::time_point{};
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
    for (;;) {  // chunk after chunk: a replayed batch may be longer than one
      auto& s = statement(select_stream).reset().bind_blob(1, stream).bind(2, from);
      detail::reset_on_exit done(s);
      std::size_t rows = 0;
      while (s.step()) {
        ++rows;
        if (!f(s.id(2), static_cast<std::uint64_t>(s.integer(0)))) return;
        from = static_cast<std::uint64_t>(s.integer(1)) + 1;
      }
      if (rows < chunk_rows) return;
    }
  }

  // The event in columns `first` (type), `first + 1` (schema version) and `first + 2` (payload).
  static Set decode(const detail::sqlite_statement& s, int first, codec_reader& codec, std::string_view stream,
                    std::uint64_t version) {
    return base::decode_stored(codec, s.text(first), static_cast<std::uint32_t>(s.integer(first + 1)), s.text(first + 2),
                               stream, version);
  }

  static void fill(record& r, const detail::sqlite_statement& s, codec_reader& codec, std::string_view stream) {
    detail::fill_envelope(r, s, stream);
    r.event = decode(s, 3, codec, r.stream_id, r.version);
  }

  // Every read: chunks on a reader lane (detail/rows.hpp), decoded with one codec per read.
  template <class Row, class Query, class Fill, class Deliver, class Key>
  std::size_t read_chunks(std::uint64_t from, int payload, Query&& query, Fill&& fill_row, Deliver&& deliver, Key&& key,
                          bool to_the_end = false) const {
    codec_reader codec(reading_);
    return detail::read_chunks<Row>([&] { return take_reader(!to_the_end); }, std::max<std::uint64_t>(from, 1), payload,
                                    query, [&](Row& r, const detail::sqlite_statement& s) { fill_row(r, s, codec); },
                                    deliver, key, to_the_end);
  }
  std::size_t read_stream_records(std::string_view stream, std::uint64_t from_version,
                                  detail::function_ref<bool(const record&)> deliver) const {
    return read_chunks<record>(
        from_version, 5,
        [&](lane& reader, std::uint64_t from) -> auto& { return statement(select_stream, reader).reset().bind_blob(1, stream).bind(2, from); },
        [&](record& r, const detail::sqlite_statement& s, codec_reader& codec) { fill(r, s, codec, stream); }, deliver,
        [](const record& r) { return r.version; });
  }
  std::size_t read_stream_events(std::string_view stream, std::uint64_t from_version,
                                 detail::function_ref<bool(const versioned_event&)> deliver) const {
    return read_chunks<versioned_event>(
        from_version, 3,
        [&](lane& reader, std::uint64_t from) -> auto& { return statement(select_events, reader).reset().bind_blob(1, stream).bind(2, from); },
        [&](versioned_event& r, const detail::sqlite_statement& s, codec_reader& codec) {
          r.version = static_cast<std::uint64_t>(s.integer(0));
          r.event = decode(s, 1, codec, stream, r.version);
        },
        deliver, [](const versioned_event& r) { return r.version; });
  }
  std::size_t read_all_records(std::uint64_t from_position, detail::function_ref<bool(const record&)> deliver) const {
    return read_chunks<record>(
        from_position, 5,
        [&](lane& reader, std::uint64_t from) -> auto& { return statement(select_all, reader).reset().bind(1, from); },
        [&](record& r, const detail::sqlite_statement& s, codec_reader& codec) { fill(r, s, codec, {}); }, deliver,
        [](const record& r) { return r.position; }, true);
  }
  std::size_t read_all_encoded_records(std::uint64_t from_position,
                                       detail::function_ref<bool(const encoded_record&)> deliver) const {
    return read_chunks<encoded_record>(
        from_position, 5,
        [&](lane& reader, std::uint64_t from) -> auto& { return statement(select_all, reader).reset().bind(1, from); },
        [&](encoded_record& r, const detail::sqlite_statement& s, codec_reader&) {
          detail::fill_envelope(r, s, {});
          r.event_name.assign(s.text(3));
          r.schema_version = static_cast<std::uint32_t>(s.integer(4));
          r.payload.assign(s.text(5));
        },
        deliver, [](const encoded_record& r) { return r.position; }, true);
  }

  mutable lane writer_;
  std::array<std::unique_ptr<lane>, reader_count> readers_;
  sqlite3* db_;  // the writer's
  bool group_commit_;
  detail::commit_queue<append_request> queue_;
  std::atomic<std::uint64_t> commits_{0};
  json_options reading_;  // the payload limit, for reads and appends
  id_generator generate_id_;
};

}  // namespace v0
}  // namespace chronicle
