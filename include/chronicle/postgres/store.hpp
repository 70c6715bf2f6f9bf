#pragma once
/// @file
/// @brief An event store in PostgreSQL, shared by any number of processes (the `chronicle::postgres`
/// component).
///
/// Same contract as every `event_store` (event_store.hpp), checked by the same conformance suite, with
/// one difference every multi-writer database has: global positions strictly increase but may skip
/// numbers (an append that failed after drawing its positions; a crash). Tables live in one
/// PostgreSQL schema (`postgres_options::schema`), created on first use:
/// ```sql
/// events (position bigint PRIMARY KEY, stream_id bytea, version bigint, event_id uuid UNIQUE, type text,
///         schema_version integer, payload json, correlation_id uuid, causation_id uuid,
///         recorded_at timestamptz, UNIQUE (stream_id, version))
/// snapshots (stream_id bytea PRIMARY KEY, version bigint, schema_version integer, payload json)
/// checkpoints (name bytea PRIMARY KEY, position bigint)
/// chronicle_schema (version integer), the sequence positions, the functions append() and horizon()
/// ```
/// An append is one statement (`append()`: replay check, expected-version check, insert) in one round
/// trip. Group commit (`postgres_options::group_commit`, on by default): appends from several threads
/// through one store that overlap run on one connection in one transaction, sent as one pipeline, and
/// all return after its one COMMIT; each keeps its own expected-version check and outcome
/// (detail/group_append.hpp). `read_all` delivers only positions at or below the safe horizon (detail/schema.hpp): a reader never
/// passes an event that is still being committed, so it never skips one.
///
/// Thread safety: one store object may be used by any number of threads; it lends each call a
/// connection from a pool of at most `pool_size`. Read callbacks run with no connection held, so they
/// may append.
#include <chronicle/detail/durable_store.hpp>
#include <chronicle/detail/function_ref.hpp>
#include <chronicle/detail/group_commit.hpp>
#include <chronicle/envelope.hpp>
#include <chronicle/error.hpp>
#include <chronicle/json/event_codec.hpp>
#include <chronicle/event_store.hpp>
#include <chronicle/id_generator.hpp>
#include <chronicle/postgres/detail/group_append.hpp>
#include <chronicle/postgres/detail/libpq.hpp>
#include <chronicle/postgres/detail/notifications.hpp>
#include <chronicle/postgres/detail/schema.hpp>
#include <chronicle/postgres/detail/tables.hpp>
#include <chronicle/postgres/options.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <memory>
#include <concepts>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace chronicle {
inline namespace v0 {

/// @brief An `event_store` in a PostgreSQL schema. Requires the `chronicle::postgres` CMake component.
template <event_set Set>
class postgres_store : public detail::durable_store<postgres_store<Set>, Set, postgres_error> {
  static_assert(detail::event_set_diagnostics<events_of<Set>>::value);
  using base = detail::durable_store<postgres_store<Set>, Set, postgres_error>;
  friend base;

 public:
  using typename base::event_type;
  using typename base::record;
  using base::append;
  using base::restore;

  /// @brief Connects (`conninfo` as libpq takes it: `"host=... dbname=..."` or a `postgresql://` URL)
  /// and opens the schema, creating it if needed. Throws `postgres_connection_error` if the server
  /// cannot be reached, `postgres_foreign_schema` for a schema holding other tables (nothing written),
  /// `postgres_error` for a newer chronicle schema.
  explicit postgres_store(const std::string& conninfo, postgres_options options = {})
      : tables_(conninfo, options, statements),
        notifier_(conninfo, options),
        listener_(options.schema),
        group_commit_(options.group_commit) {
    reading_.max_payload_size = options.max_payload_size;
  }
  postgres_store(const postgres_store&) = delete;
  postgres_store& operator=(const postgres_store&) = delete;

  // Each read wraps its callback in a function_ref and hands it to a reader compiled once per store:
  // a new callback costs its own small wrapper, not another copy of the chunked read and decoding.
  template <class F>
  std::size_t read_stream(std::string_view stream, std::uint64_t from_version, F&& f) const {
    if (!valid_stream_id(stream)) return 0;
    auto deliver = [&](const record& r) { return detail::deliver(f, r); };
    return read_stream_records(stream, from_version, deliver);
  }

  /// @brief As `read_stream`, with only the version and the event of each row: what a fold needs.
  template <class F>
  std::size_t read_events(std::string_view stream, std::uint64_t from_version, F&& f) const {
    if (!valid_stream_id(stream)) return 0;
    auto deliver = [&](const versioned_event& r) { return detail::deliver(f, r.version, r.event); };
    return read_stream_events(stream, from_version, deliver);
  }

  /// @brief Every event at or after `from_position`, in global order, up to the safe horizon: events
  /// whose transactions are still open, and every event after them, wait for a later read. Also
  /// delivers what was appended while it read (its callback's appends included).
  template <class F>
  std::size_t read_all(std::uint64_t from_position, F&& f) const {
    auto deliver = [&](const record& r) { return detail::deliver(f, r); };
    return read_all_records(from_position, deliver);
  }

  /// @brief As `read_all`, calling `f(const encoded_record&)` with each event as recorded (schema
  /// version and payload as written, not upcast). Exports use it.
  template <class F>
  std::size_t read_all_encoded(std::uint64_t from_position, F&& f) const {
    auto deliver = [&](const encoded_record& r) { return detail::deliver(f, r); };
    return read_all_encoded_records(from_position, deliver);
  }

  [[nodiscard]] std::uint64_t stream_version(std::string_view stream) const {
    if (!valid_stream_id(stream)) return 0;
    detail::pg_params p;
    p.bytea(stream);
    auto r = tables_.read(stream_version_of, p);
    return static_cast<std::uint64_t>(detail::pg_row(r.get(), 0).int8(0));
  }

  /// @brief The position of the newest committed event (0 for an empty store). Events below it may
  /// still be committing: `read_all` waits for them.
  [[nodiscard]] std::uint64_t head_position() const {
    detail::pg_params p;
    auto r = tables_.read(head, p);
    return static_cast<std::uint64_t>(detail::pg_row(r.get(), 0).int8(0));
  }

  /// @brief How many transactions that wrote events this store's appends have committed: fewer than
  /// its appends when group commit combined some (`postgres_options::group_commit`).
  [[nodiscard]] std::uint64_t append_commits() const noexcept { return commits_.load(std::memory_order_relaxed); }

  /// @brief Where the event with `id` is recorded, if it is (nil ids never are).
  [[nodiscard]] std::optional<event_location> find_event(const event_id& id) const {
    if (id.is_nil()) return std::nullopt;
    detail::pg_params p;
    p.uuid(id);
    auto r = tables_.read(find_id, p);
    if (PQntuples(r.get()) == 0) return std::nullopt;
    const detail::pg_row row(r.get(), 0);
    return event_location{std::string(row.bytes(1)), static_cast<std::uint64_t>(row.int8(2)),
                          static_cast<std::uint64_t>(row.int8(0))};
  }

  /// @brief The safe horizon: every event that will ever be recorded at or below it is readable now.
  [[nodiscard]] std::uint64_t safe_position() const {
    detail::pg_params p;
    auto r = tables_.read(horizon, p);
    const detail::pg_row row(r.get(), 0);
    return row.null(0) || row.int8(0) < 0 ? 0 : static_cast<std::uint64_t>(row.int8(0));
  }

  /// @brief Waits until an event at or after `position` is readable (below the safe horizon) or
  /// `timeout` passes; true if one is. Woken by the NOTIFY each store's notifier sends after appends
  /// commit (LISTEN on a connection of its own; detail/notifications.hpp), so catch-up subscriptions
  /// in other processes apply new events within a round trip or two; without a notification (a
  /// writer outside chronicle) it returns at the timeout, and subscriptions poll. A lost connection is
  /// reopened by the next wait.
  [[nodiscard]] bool wait_for_position(std::uint64_t position, std::chrono::nanoseconds timeout) const {
    return listener_.wait(tables_.pool().conninfo(), tables_.pool().options(), timeout,
                          [&] { return readable_from(position); });
  }

 private:
  enum statement_id : std::size_t {
    append_events,
    horizon,
    select_all,
    select_stream,
    select_events,
    stream_version_of,
    head,
    find_id,
    restore_events,
    restore_sequence,
    lock_for_restore,
    readable,
  };
  using codec_reader = typename event_codec<Set>::reader;
  const json_options& reading() const noexcept { return reading_; }
  struct versioned_event {
    std::uint64_t version = 0;
    Set event;
  };

  static constexpr std::size_t chunk_rows = 4096;
  static constexpr std::size_t chunk_bytes = std::size_t{1} << 20;
  static constexpr std::uint64_t max_key = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());

  // A chunk: rows `where` (with $1 the first key, $2 the last, $3 the row limit, $4 the byte limit and
  // $5 on the query's own parameters), in `key` order, ending at 4,096 rows or once the payloads before
  // a row reach 1 MiB.
  static std::string chunk(const std::string& q, const char* columns, const char* where, const char* key) {
    return std::string("SELECT ") + columns + " FROM (SELECT " + columns + ", sum(payload_size) OVER (ORDER BY " + key +
           " ROWS UNBOUNDED PRECEDING) - payload_size AS before FROM " + q + ".events WHERE " + where +
           " ORDER BY " + key + " LIMIT $3) c WHERE c.before < $4 ORDER BY " + key;
  }

  static std::vector<std::string> statements(const std::string& q) {
    std::vector<std::string> s(readable + 1);
    s[append_events] = "SELECT outcome, version, positions, recorded_at, detail FROM " + q +
                       ".append($1, $2, $3, $4, $5, $6, $7, $8, $9)";
    s[horizon] = "SELECT " + q + ".horizon()";
    // The columns `fill` reads, in its order; a stream's reads leave out the stream id they know.
    s[select_all] = chunk(q,
                          "position, version, event_id, type, schema_version, payload, correlation_id, causation_id, "
                          "recorded_at, stream_id",
                          "position >= $1 AND position <= $2", "position");
    s[select_stream] = chunk(q,
                             "position, version, event_id, type, schema_version, payload, correlation_id, causation_id, "
                             "recorded_at",
                             "stream_id = $5 AND version >= $1 AND version <= $2", "version");
    s[select_events] = chunk(q, "version, type, schema_version, payload", "stream_id = $5 AND version >= $1 AND version <= $2",
                             "version");
    s[stream_version_of] = "SELECT COALESCE(max(version), 0) FROM " + q + ".events WHERE stream_id = $1";
    s[head] = "SELECT COALESCE(max(position), 0) FROM " + q + ".events";
    s[find_id] = "SELECT position, stream_id, version FROM " + q + ".events WHERE event_id = $1";
    s[restore_events] = "INSERT INTO " + q + ".events (position, stream_id, version, event_id, type, schema_version, "
                        "payload, correlation_id, causation_id, recorded_at) SELECT p, s, v, i, t, sv, pl, co, ca, "
                        "to_timestamp(0) + ra * interval '1 microsecond' FROM unnest($1::bigint[], $2::bytea[], "
                        "$3::bigint[], $4::uuid[], $5::text[], $6::integer[], $7::json[], $8::uuid[], $9::uuid[], "
                        "$10::bigint[]) AS u(p, s, v, i, t, sv, pl, co, ca, ra)";
    // Never backwards: appends that failed may have drawn beyond the restored history.
    s[restore_sequence] = "SELECT setval('" + q + ".positions', greatest($1, (SELECT last_value FROM " + q + ".positions)))";
    s[lock_for_restore] = "LOCK TABLE " + q + ".events IN EXCLUSIVE MODE";
    s[readable] = "SELECT EXISTS (SELECT 1 FROM " + q + ".events WHERE position >= $1 AND position <= $2)";
    return s;
  }

  static constexpr std::int32_t kind_code(expected_version e) noexcept {
    switch (e.which()) {
      case expected_version::kind::any: return 0;
      case expected_version::kind::no_stream: return 1;
      case expected_version::kind::stream_exists: return 2;
      case expected_version::kind::exact: return 3;
    }
    return 0;
  }

  result<append_result, store_error> append_recording(std::string_view stream, expected_version expected,
                                                      std::span<const pending_event<Set>> batch,
                                                      std::vector<record>* written) {
    if (auto refused = refuse_malformed_append(stream, batch)) return *std::move(refused);
    // No stream reaches a version past int64: such an expectation cannot hold.
    if (expected.which() == expected_version::kind::exact && expected.version() > max_key)
      return concurrency_conflict{std::string(stream), expected, stream_version(stream)};

    auto encoded = base::encode_batch(stream, batch, reading_.max_payload_size);
    if (!encoded) return std::move(encoded).error();
    const std::vector<std::string>& payloads = *encoded;
    std::vector<event_id> ids;
    ids.reserve(batch.size());
    for (const auto& pending : batch) ids.push_back(pending.id.is_nil() ? generate_id_() : pending.id);

    const std::size_t n = batch.size();
    detail::pg_params p;
    p.bytea(stream).int4(kind_code(expected)).int8(static_cast<std::int64_t>(expected.version()));
    p.array(detail::pg_uuid, n, [&](std::size_t i, detail::pg_params& a) { a.element_uuid(ids[i]); });
    p.array(detail::pg_text, n, [&](std::size_t i, detail::pg_params& a) { a.element(event_name(batch[i].event)); });
    p.array(detail::pg_int4, n, [&](std::size_t i, detail::pg_params& a) {
      a.element_int4(static_cast<std::int32_t>(event_codec<Set>::schema_version(batch[i].event)));
    });
    p.array(detail::pg_json, n, [&](std::size_t i, detail::pg_params& a) { a.element(payloads[i]); });
    p.array(detail::pg_uuid, n, [&](std::size_t i, detail::pg_params& a) { a.element_uuid(batch[i].correlation_id); });
    p.array(detail::pg_uuid, n, [&](std::size_t i, detail::pg_params& a) { a.element_uuid(batch[i].causation_id); });

    // The records to report are built before the batch is sent: an event whose copy throws leaves
    // nothing written.
    if (written != nullptr) {
      written->resize(n);
      for (std::size_t i = 0; i < n; ++i) {
        record& w = (*written)[i];
        w.stream_id = std::string(stream);
        w.id = ids[i];
        w.correlation_id = batch[i].correlation_id;
        w.causation_id = batch[i].causation_id;
        w.event = batch[i].event;
      }
    }

    detail::pg_result r;
    // A writer of the same stream or ids that committed while we inserted makes the insert fail on a
    // unique index; sent again, the statement sees it and answers as it would have (a conflict, a
    // duplicate, the replay of this very batch). `any` admits every version, so it just goes again.
    // (A deadlock, 40P01, needs a group and a transaction outside chronicle writing the same rows.)
    for (int attempt = 0;; ++attempt) {
      r = send_append(stream, p);
      // Whatever the outcome: a transaction that drew positions and then failed held back the
      // horizon, and its end lets readers pass it.
      notifier_.commit_seen();
      if (!detail::pg_connection::failed(r.get())) break;
      const std::string state = detail::pg_connection::sqlstate(r.get());
      const bool raced = state == "23505" || state == "40P01";
      if (!raced || attempt >= (expected.which() == expected_version::kind::any ? 16 : 1))
        return refused_insert(r.get(), stream, expected, ids);
    }

    const detail::pg_row row(r.get(), 0);
    const int outcome = row.int4(0);
    if (outcome == 2) return duplicate_event{std::string(stream), ids[static_cast<std::size_t>(row.int8(4)) - 1]};
    if (outcome == 3) return concurrency_conflict{std::string(stream), expected, static_cast<std::uint64_t>(row.int8(4))};
    const auto version = static_cast<std::uint64_t>(row.int8(1));
    const auto positions = row.int8_array(2);
    if (written != nullptr) {
      if (outcome != 0) written->clear();  // a replay wrote nothing
      const auto at = row.time(3);
      for (std::size_t i = 0; i < written->size(); ++i) {
        record& w = (*written)[i];
        w.version = version - n + i + 1;
        w.position = static_cast<std::uint64_t>(positions[i]);
        w.recorded_at = at;
      }
    }
    return append_result{version, positions.empty() ? 0 : static_cast<std::uint64_t>(positions.back()), n};
  }

  // Runs the append statement: with whatever appends of other threads overlap it, in one transaction,
  // or alone.
  detail::pg_result send_append(std::string_view stream, detail::pg_params& p) {
    detail::pg_append_request request;
    request.stream = stream;
    request.params = &p;
    if (group_commit_)
      queue_.submit(request, [this](std::span<detail::pg_append_request* const> group) { run_group(group); });
    else
      run_group(std::span<detail::pg_append_request* const>(std::array{&request}));
    if (request.failure) detail::pg_rethrow_own_copy(request.failure);
    return std::move(request.result);
  }

  void run_group(std::span<detail::pg_append_request* const> group) noexcept {
    std::uint64_t commits = 0;
    try {
      auto c = tables_.pool().acquire();
      if (group.size() == 1) {
        group[0]->result = c->try_run(append_events, *group[0]->params, true);
        commits = detail::pg_appended(group[0]->result.get());
      } else {
        grouped_.run(*c, append_events, group, commits);
      }
    } catch (...) {
      for (detail::pg_append_request* r : group)
        if (r->result == nullptr && !r->failure) r->failure = std::current_exception();
    }
    commits_.fetch_add(commits, std::memory_order_relaxed);
  }

  // An insert refused by the server: a writer of the same stream (or of the same ids) that committed
  // first is a conflict (or a duplicate), as it would have been had it committed before we looked.
  result<append_result, store_error> refused_insert(const PGresult* r, std::string_view stream,
                                                    expected_version expected, const std::vector<event_id>& ids) const {
    if (detail::pg_connection::sqlstate(r) == "23505") {
      const std::string constraint = detail::pg_connection::constraint(r);
      if (constraint == "events_event_id_key") {
        for (const auto& id : ids)
          if (find_event(id)) return duplicate_event{std::string(stream), id};
        return duplicate_event{std::string(stream), ids.front()};
      }
      if (constraint == "events_stream_id_version_key")
        return concurrency_conflict{std::string(stream), expected, stream_version(stream)};
    }
    const std::string message = PQresultErrorMessage(r);
    throw postgres_error("chronicle: PostgreSQL refused an append: " + message.substr(0, message.find_last_not_of('\n') + 1),
                         detail::pg_connection::sqlstate(r));
  }

  using typename base::restored_row;

  template <class Row>
  void restore_rows(std::size_t rows, Row&& row) {
    detail::restore_rules rules(reading_.max_payload_size);
    std::vector<restored_row> all;
    all.reserve(rows);
    for (std::size_t i = 0; i < rows; ++i) {
      all.push_back(row(i));
      rules.check(*all.back().r, all.back().payload.size());
    }
    auto c = tables_.pool().acquire();
    c->exec("BEGIN");
    detail::pg_params none;
    c->run(lock_for_restore, none, true);
    {
      auto h = c->run(head, none);
      if (detail::pg_row(h.get(), 0).int8(0) != 0) {
        c->exec("ROLLBACK");
        throw std::invalid_argument("chronicle: restore needs an empty store");
      }
    }
    // Statements of up to 1,000 rows or 16 MiB of payload (a statement's arrays stay far below the
    // server's 1 GB limit on one value).
    for (std::size_t from = 0, n = 0; from < all.size(); from += n) {
      std::size_t bytes = 0;
      for (n = 0; from + n < all.size() && n < 1000 && (n == 0 || bytes < (std::size_t{16} << 20)); ++n)
        bytes += all[from + n].payload.size();
      const auto at = [&](std::size_t i) -> const restored_row& { return all[from + i]; };
      detail::pg_params p;
      p.array(detail::pg_int8, n, [&](std::size_t i, detail::pg_params& a) { a.element_int8(static_cast<std::int64_t>(at(i).r->position)); });
      p.array(detail::pg_bytea, n, [&](std::size_t i, detail::pg_params& a) { a.element(at(i).r->stream_id); });
      p.array(detail::pg_int8, n, [&](std::size_t i, detail::pg_params& a) { a.element_int8(static_cast<std::int64_t>(at(i).r->version)); });
      p.array(detail::pg_uuid, n, [&](std::size_t i, detail::pg_params& a) { a.element_uuid(at(i).r->id); });
      p.array(detail::pg_text, n, [&](std::size_t i, detail::pg_params& a) { a.element(at(i).type); });
      p.array(detail::pg_int4, n, [&](std::size_t i, detail::pg_params& a) { a.element_int4(static_cast<std::int32_t>(at(i).schema_version)); });
      p.array(detail::pg_json, n, [&](std::size_t i, detail::pg_params& a) { a.element(at(i).payload); });
      p.array(detail::pg_uuid, n, [&](std::size_t i, detail::pg_params& a) { a.element_uuid(at(i).r->correlation_id); });
      p.array(detail::pg_uuid, n, [&](std::size_t i, detail::pg_params& a) { a.element_uuid(at(i).r->causation_id); });
      p.array(detail::pg_int8, n, [&](std::size_t i, detail::pg_params& a) {
        a.element_int8(std::chrono::duration_cast<std::chrono::microseconds>(at(i).r->recorded_at.time_since_epoch()).count());
      });
      auto done = c->try_run(restore_events, p, true);
      if (detail::pg_connection::failed(done.get())) {
        const bool repeated = detail::pg_connection::sqlstate(done.get()) == "23505";
        c->exec("ROLLBACK");
        if (repeated) refuse_restore(all[from].r->position, "or one after it repeats an event id");
        throw postgres_error("chronicle: PostgreSQL refused a restore: " + std::string(PQresultErrorMessage(done.get())),
                             detail::pg_connection::sqlstate(done.get()));
      }
    }
    if (!all.empty()) {
      detail::pg_params p;
      p.int8(static_cast<std::int64_t>(all.back().r->position));
      c->run(restore_sequence, p, true);
    }
    c->exec("COMMIT");
    notifier_.commit_seen();
  }

  static Set decode(const detail::pg_row& row, int first, codec_reader& codec, std::string_view stream,
                    std::uint64_t version) {
    return base::decode_stored(codec, row.bytes(first), static_cast<std::uint32_t>(row.int4(first + 1)),
                               row.bytes(first + 2), stream, version);
  }

  static void fill_envelope(envelope& r, const detail::pg_row& row, std::string_view stream) {
    r.position = static_cast<std::uint64_t>(row.int8(0));
    r.stream_id.assign(stream.empty() ? row.bytes(9) : stream);
    r.version = static_cast<std::uint64_t>(row.int8(1));
    r.id = row.uuid(2);
    r.correlation_id = row.uuid(6);
    r.causation_id = row.uuid(7);
    r.recorded_at = row.time(8);
  }
  static void fill(record& r, const detail::pg_row& row, codec_reader& codec, std::string_view stream) {
    fill_envelope(r, row, stream);
    r.event = decode(row, 3, codec, r.stream_id, r.version);
  }

  std::size_t read_stream_records(std::string_view stream, std::uint64_t from_version,
                                  detail::function_ref<bool(const record&)> deliver) const {
    return read_chunks<record>(
        std::max<std::uint64_t>(from_version, 1), max_key, select_stream, [&](detail::pg_params& p) { p.bytea(stream); },
        [&](record& r, const detail::pg_row& row, codec_reader& codec) { fill(r, row, codec, stream); }, deliver,
        [](const record& r) { return r.version; });
  }
  std::size_t read_stream_events(std::string_view stream, std::uint64_t from_version,
                                 detail::function_ref<bool(const versioned_event&)> deliver) const {
    return read_chunks<versioned_event>(
        std::max<std::uint64_t>(from_version, 1), max_key, select_events, [&](detail::pg_params& p) { p.bytea(stream); },
        [&](versioned_event& r, const detail::pg_row& row, codec_reader& codec) {
          r.version = static_cast<std::uint64_t>(row.int8(0));
          r.event = decode(row, 1, codec, stream, r.version);
        },
        deliver, [](const versioned_event& r) { return r.version; });
  }
  std::size_t read_all_records(std::uint64_t from_position, detail::function_ref<bool(const record&)> deliver) const {
    return read_global<record>(
        from_position, [&](record& r, const detail::pg_row& row, codec_reader& codec) { fill(r, row, codec, {}); },
        deliver);
  }
  std::size_t read_all_encoded_records(std::uint64_t from_position,
                                       detail::function_ref<bool(const encoded_record&)> deliver) const {
    return read_global<encoded_record>(
        from_position,
        [&](encoded_record& r, const detail::pg_row& row, codec_reader&) {
          fill_envelope(r, row, {});
          r.event_name.assign(row.bytes(3));
          r.schema_version = static_cast<std::uint32_t>(row.int4(4));
          r.payload.assign(row.bytes(5));
        },
        deliver);
  }

  // The global order: rounds of reads up to the horizon, until a round finds nothing new.
  template <class Row, class Fill, class Deliver>
  std::size_t read_global(std::uint64_t from, Fill&& fill_row, Deliver&& deliver) const {
    from = std::max<std::uint64_t>(from, 1);
    std::size_t seen = 0;
    bool stopped = false;
    while (from <= max_key && !stopped) {
      const std::uint64_t until = safe_position();
      if (until < from) break;
      const std::size_t before = seen;
      seen += read_chunks<Row>(
          from, until, select_all, [](detail::pg_params&) {}, fill_row,
          [&](const Row& r) {
            from = r.position + 1;
            stopped = !deliver(r);
            return !stopped;
          },
          [](const Row& r) { return r.position; });
      if (seen == before) break;
      from = std::max(from, until + 1);
    }
    return seen;
  }

  // Reads rows with keys from `from` to `until` in chunks (4,096 rows, or 1 MiB of payload) with a
  // connection, then delivers each chunk without it, until done or stopped.
  template <class Row, class Bind, class Fill, class Deliver, class Key>
  std::size_t read_chunks(std::uint64_t from, std::uint64_t until, statement_id query, Bind&& bind, Fill&& fill_row,
                          Deliver&& deliver, Key&& key) const {
    const int payload = query == select_events ? 3 : 5;
    std::size_t seen = 0;
    std::vector<Row> chunk;
    codec_reader codec(reading_);
    while (from <= until && from <= max_key) {
      std::size_t rows = 0;
      std::size_t bytes = 0;
      {
        detail::pg_params p;
        p.int8(static_cast<std::int64_t>(from))
            .int8(static_cast<std::int64_t>(std::min(until, max_key)))
            .int8(static_cast<std::int64_t>(chunk_rows))
            .int8(static_cast<std::int64_t>(chunk_bytes));
        bind(p);
        detail::pg_result r = tables_.read(query, p);
        rows = static_cast<std::size_t>(PQntuples(r.get()));
        if (chunk.size() < rows) chunk.resize(rows);
        for (std::size_t i = 0; i < rows; ++i) {
          const detail::pg_row row(r.get(), static_cast<int>(i));
          bytes += row.bytes(payload).size();
          fill_row(chunk[i], row, codec);
        }
      }
      for (std::size_t i = 0; i < rows; ++i) {
        ++seen;
        if (!deliver(chunk[i])) return seen;
      }
      if (rows == 0) return seen;
      // A chunk short of both limits was the last one.
      if (rows < chunk_rows && bytes < chunk_bytes) return seen;
      from = key(chunk[rows - 1]) + 1;
      // Rows keep their strings' storage for the next chunk, unless large events grew it.
      if (bytes >= chunk_bytes) chunk.clear();
    }
    return seen;
  }

  // Whether an event at or after `position` lies below the horizon.
  bool readable_from(std::uint64_t position) const {
    const std::uint64_t until = safe_position();
    if (until < position) return false;
    detail::pg_params p;
    p.int8(static_cast<std::int64_t>(std::min(position, max_key))).int8(static_cast<std::int64_t>(until));
    auto r = tables_.read(readable, p);
    return std::string_view(PQgetvalue(r.get(), 0, 0), 1) == std::string_view("\1", 1);
  }
  detail::pg_tables tables_;
  detail::pg_notifier notifier_;  // tells listeners of commits (detail/notifications.hpp)
  mutable detail::pg_listener listener_;  // and listens for them
  bool group_commit_;
  detail::commit_queue<detail::pg_append_request> queue_;
  detail::pg_group_append grouped_;  // used by the leader of the group under way
  std::atomic<std::uint64_t> commits_{0};
  json_options reading_;
  id_generator generate_id_;
};

}  // namespace v0
}  // namespace chronicle
