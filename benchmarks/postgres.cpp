// The PostgreSQL store against raw libpq code running the same SQL (the chronicle::postgres component):
// W1_postgres: 10,000 orders x place, confirm, ship (30,000 commands), each command a load of the stream
// (the store's chunked SELECT), a decision and an append (the schema's append() function), then the
// order_summary read model's update in memory. A subscriber listens meanwhile (another store object
// waiting in `wait_for_position`, as a projector would), so appends wake it: chronicle's notifier sends
// one NOTIFY for the appends committed since its last, the baseline a NOTIFY after each append,
// pipelined in the same round trip.
// W2_postgres: load a stream of 10,000 events (OrderPlaced, then 9,999 OrderNoteAdded) and fold it.
// W3_postgres: catch a fresh order_summary read model up on 1,000,002 events (333,334 orders x placed,
// confirmed, shipped): horizon(), then chunks of the global order. CHRONICLE_BENCH_PG_EVENTS=N reads
// about N events instead, for quick runs.
// W4_postgres: two threads, 1,000 rounds, both appending to one stream with the same expected version:
// exactly one winner a round.
// W5_postgres: 1, 2, 4 and 8 threads appending to streams of their own; on the runs with more than one,
// `scaling` is their throughput over the 1-thread run's.
// PostgreSQL_growing_stream: a stream appended to until it holds 1,000,000 events, against new streams.
// Each in two durability settings, set per connection (`options=-csynchronous_commit=...`): `sync_on`,
// PostgreSQL's default (a commit waits for its WAL flush), and `sync_off`.
// Diagnostics: W1_postgres_no_notify and W5_postgres_no_notify run with no subscriber listening, where
// chronicle sends no NOTIFY and the baseline leaves it out (what waking subscribers costs);
// W2_postgres_one_query (baseline only) reads
// the stream in one SELECT instead of the store's chunks of 512 rows (what the chunks cost).
//
// The server is CHRONICLE_BENCH_POSTGRES (a libpq connection string; benchmarks/run starts a private
// cluster when it is unset); without it every PostgreSQL benchmark reports an error and does nothing.
// Each benchmark works in a PostgreSQL schema of its own, dropped before use.
//
// The baseline is what an expert writes with libpq alone: the schema's own SQL (the tables, append()
// and horizon() that chronicle creates, the store's statements, prepared), binary parameters and
// results, and every payload it reads decoded into its event struct through Boost.JSON's DOM (one
// reused parser, as chronicle's reader), then folded. Both sides run in one process against one server,
// one after the other, so each pair of figures comes from the same conditions; whichever side of a
// workload runs second reports `ratio`, chronicle's cost over the baseline's (above 1: chronicle is
// slower), as the README's tables do. Times are measured around the work only (manual time).
#include "common.hpp"

#include <chronicle/postgres/store.hpp>

#include <benchmark/benchmark.h>
#include <libpq-fe.h>

#include <boost/json.hpp>
#include <boost/uuid/string_generator.hpp>

#include <algorithm>
#include <array>
#include <barrier>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <latch>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace bench {
BOOST_DESCRIBE_STRUCT(OrderNoteAdded, (), (text))
}  // namespace bench

namespace {

constexpr std::size_t w1_orders = 10'000;
constexpr std::size_t w4_rounds = 1'000;
constexpr std::size_t w5_streams_per_thread = 100;
constexpr std::size_t w5_appends_per_thread = 2'000;

// ---- the server and the settings ----------------------------------------------------------------------

enum class durability { on, off };

// CHRONICLE_BENCH_POSTGRES with synchronous_commit set for every connection made from it (a later
// `options` in the string replaces an earlier one), or nothing when it is unset.
std::optional<std::string> server(durability d) {
  const char* s = std::getenv("CHRONICLE_BENCH_POSTGRES");
  if (s == nullptr || *s == '\0') return std::nullopt;
  const std::string conninfo = s;
  const std::string value = d == durability::on ? "on" : "off";
  if (conninfo.starts_with("postgres://") || conninfo.starts_with("postgresql://"))
    return conninfo + (conninfo.find('?') == std::string::npos ? "?" : "&") + "options=-csynchronous_commit%3D" + value;
  return conninfo + " options=-csynchronous_commit=" + value;
}

std::optional<std::string> server_or_skip(benchmark::State& state, durability d) {
  auto conninfo = server(d);
  if (!conninfo)
    state.SkipWithError("set CHRONICLE_BENCH_POSTGRES to a libpq connection string to run the PostgreSQL "
                        "benchmarks (benchmarks/run starts a private cluster when it is unset)");
  return conninfo;
}

// Runs a benchmark's body, turning an exception (the server refused something) into the benchmark's error.
template <class Body>
void guarded(benchmark::State& state, Body&& body) {
  try {
    body();
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
  }
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// Each workload's costs on each side (seconds per command, load, event, round or append), one per
// repetition, so that the side that runs second reports `ratio`: chronicle's cost over the baseline's,
// against the other side's median (so the median of `ratio` over repetitions is the ratio of the
// medians). Benchmarks run one after another on the main thread.
enum side : std::size_t { chronicle_side, baseline_side };
void record_cost(benchmark::State& state, const std::string& workload, side s, double cost) {
  static std::map<std::string, std::array<std::vector<double>, 2>> costs;
  auto& both = costs[workload];
  both[s].push_back(cost);
  const auto& other = both[s == chronicle_side ? baseline_side : chronicle_side];
  if (other.empty()) return;
  state.counters["ratio"] = s == chronicle_side ? cost / median(other) : median(other) / cost;
}

// ---- libpq, by hand --------------------------------------------------------------------------------------

struct result_free {
  void operator()(PGresult* r) const noexcept { PQclear(r); }
};
using result_ptr = std::unique_ptr<PGresult, result_free>;

bool succeeded(const PGresult* r) {
  const auto s = PQresultStatus(r);
  return r != nullptr && (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK);
}
std::string message_of(const PGresult* r) {
  std::string m = r != nullptr ? PQresultErrorMessage(r) : "no result";
  while (!m.empty() && m.back() == '\n') m.pop_back();
  return m;
}
std::string field_of(const PGresult* r, int field) {
  const char* s = r != nullptr ? PQresultErrorField(r, field) : nullptr;
  return s != nullptr ? s : "";
}

// Big-endian integers: the binary format of int4, int8, timestamptz and array headers.
std::uint64_t be(const char* p, int size) {
  std::uint64_t v = 0;
  for (int i = 0; i < size; ++i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}
std::int64_t int8_at(const PGresult* r, int row, int column) {
  return static_cast<std::int64_t>(be(PQgetvalue(r, row, column), 8));
}
std::int32_t int4_at(const PGresult* r, int row, int column) {
  return static_cast<std::int32_t>(static_cast<std::uint32_t>(be(PQgetvalue(r, row, column), 4)));
}
std::string_view bytes_at(const PGresult* r, int row, int column) {
  return {PQgetvalue(r, row, column), static_cast<std::size_t>(PQgetlength(r, row, column))};
}
// timestamptz: microseconds since 2000-01-01 UTC.
chronicle::clock::time_point time_at(const PGresult* r, int row, int column) {
  const std::chrono::microseconds since_2000(int8_at(r, row, column));
  return chronicle::clock::time_point(
      std::chrono::duration_cast<chronicle::clock::duration>(since_2000 + std::chrono::seconds(946684800)));
}

// A connection that throws when the server refuses.
class connection {
 public:
  explicit connection(const std::string& conninfo) : c_(PQconnectdb(conninfo.c_str())) {
    if (PQstatus(c_) != CONNECTION_OK) {
      const std::string message = PQerrorMessage(c_);
      PQfinish(c_);
      throw std::runtime_error("PostgreSQL: cannot connect: " + message);
    }
    PQsetNoticeProcessor(c_, [](void*, const char*) {}, nullptr);
  }
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;
  ~connection() { PQfinish(c_); }

  [[nodiscard]] PGconn* get() const noexcept { return c_; }

  result_ptr exec(const std::string& sql) {
    result_ptr r(PQexec(c_, sql.c_str()));
    if (!succeeded(r.get())) throw std::runtime_error("PostgreSQL: " + message_of(r.get()) + " in: " + sql);
    return r;
  }
  void prepare(const char* name, const std::string& sql) {
    result_ptr r(PQprepare(c_, name, sql.c_str(), 0, nullptr));
    if (!succeeded(r.get())) throw std::runtime_error("PostgreSQL: " + message_of(r.get()) + " preparing: " + sql);
  }

 private:
  PGconn* c_;
};

void drop_schema(const std::string& conninfo, const std::string& schema) {
  connection(conninfo).exec("DROP SCHEMA IF EXISTS \"" + schema + "\" CASCADE");
}

// A schema of chronicle's tables and functions, fresh: dropped, then created by a store (which closes
// its connections when it goes). The baseline runs its SQL in it.
template <class Set>
void fresh_schema(const std::string& conninfo, const std::string& schema) {
  drop_schema(conninfo, schema);
  chronicle::postgres_store<Set> create(conninfo, chronicle::postgres_options{.schema = schema});
}

// The binary parameters of one statement: values in one reused buffer, then pointers into it.
class params {
 public:
  params& clear() {
    buffer_.clear();
    count_ = 0;
    return *this;
  }
  params& int4(std::int32_t v) {
    begin();
    put(static_cast<std::uint32_t>(v), 4);
    return *this;
  }
  params& int8(std::int64_t v) {
    begin();
    put(static_cast<std::uint64_t>(v), 8);
    return *this;
  }
  params& bytes(std::string_view v) {
    begin();
    buffer_.append(v);
    return *this;
  }
  // A one-dimensional array of one element of type `element`.
  params& one(Oid element, std::string_view v) {
    begin();
    put(1, 4);  // dimensions
    put(0, 4);  // no nulls
    put(element, 4);
    put(1, 4);  // elements
    put(1, 4);  // lower bound
    put(v.size(), 4);
    buffer_.append(v);
    return *this;
  }

  PGresult* run(PGconn* c, const char* statement) {
    point();
    return PQexecPrepared(c, statement, count_, values_.data(), lengths_.data(), formats_.data(), 1);
  }
  bool queue(PGconn* c, const char* statement) {
    point();
    return PQsendQueryPrepared(c, statement, count_, values_.data(), lengths_.data(), formats_.data(), 1) == 1;
  }

 private:
  static constexpr std::size_t max_params = 9;
  void begin() { offsets_.at(static_cast<std::size_t>(count_++)) = buffer_.size(); }
  void put(std::uint64_t v, int size) {
    for (int i = size - 1; i >= 0; --i) buffer_.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  }
  void point() {
    for (std::size_t i = 0; i < static_cast<std::size_t>(count_); ++i) {
      const std::size_t end = i + 1 < static_cast<std::size_t>(count_) ? offsets_[i + 1] : buffer_.size();
      values_[i] = buffer_.data() + offsets_[i];
      lengths_[i] = static_cast<int>(end - offsets_[i]);
      formats_[i] = 1;
    }
  }
  std::string buffer_;
  int count_ = 0;
  std::array<std::size_t, max_params> offsets_{};
  std::array<const char*, max_params> values_{};
  std::array<int, max_params> lengths_{};
  std::array<int, max_params> formats_{};
};

constexpr Oid text_oid = 25, int4_oid = 23, json_oid = 114, uuid_oid = 2950;

std::string_view bytes_of(const chronicle::event_id& id) { return {reinterpret_cast<const char*>(id.data), 16}; }

// The store's chunk of rows (its `chunk()`): keys from $1 to $2 in `key` order, at most $3 rows, ending
// once the payloads before a row reach $4 bytes.
std::string chunk_sql(const std::string& q, const char* columns, const char* where, const char* key) {
  return std::string("SELECT ") + columns + " FROM (SELECT " + columns + ", sum(payload_size) OVER (ORDER BY " + key +
         " ROWS UNBOUNDED PRECEDING) - payload_size AS before FROM " + q + ".events WHERE " + where + " ORDER BY " +
         key + " LIMIT $3) c WHERE c.before < $4 ORDER BY " + key;
}
constexpr std::int64_t chunk_rows = 4096;
constexpr std::int64_t chunk_bytes = std::int64_t{1} << 20;
constexpr std::int64_t max_key = std::numeric_limits<std::int64_t>::max();

// Decodes a payload into its event struct through Boost.JSON's DOM, with one parser and a scratch buffer
// reused from row to row.
class json_reader {
 public:
  template <class F>
  void parse(std::string_view text, F&& use) {
    boost::json::monotonic_resource memory(scratch_, sizeof scratch_);
    parser_.reset(&memory);
    boost::system::error_code ec;
    parser_.write(text, ec);
    if (ec) throw std::runtime_error("a stored payload is not JSON: " + ec.message());
    const boost::json::value json = parser_.release();
    use(json.as_object());
  }

 private:
  unsigned char scratch_[4096];
  boost::json::parser parser_;
};

orders::OrderPlaced placed_from(const boost::json::object& o) {
  orders::OrderPlaced e;
  const auto& user = o.at("user_id").as_string();
  e.user_id = boost::uuids::string_generator{}(user.begin(), user.end());
  e.product_id = std::string(o.at("product_id").as_string());
  e.quantity = static_cast<int>(o.at("quantity").as_int64());
  e.unit_price.cents = o.at("unit_price").as_object().at("cents").as_int64();
  return e;
}

std::string placed_json(const orders::PlaceOrder& c) {
  boost::json::object o;
  o["user_id"] = boost::uuids::to_string(c.user_id);
  o["product_id"] = c.product_id;
  o["quantity"] = c.quantity;
  o["unit_price"] = boost::json::object{{"cents", c.unit_price.cents}};
  return boost::json::serialize(o);
}
std::string note_json(std::string_view text) { return boost::json::serialize(boost::json::object{{"text", text}}); }

// ---- the hand-written side ---------------------------------------------------------------------------

class raw_postgres {
 public:
  // `notify`: wake listeners after each append as the store does (false only for the diagnostics).
  raw_postgres(const std::string& conninfo, const std::string& schema, bool notify = true)
      : db_(conninfo), notify_(notify) {
    const std::string q = "\"" + schema + "\"";
    db_.prepare("append", "SELECT outcome, version, positions, recorded_at, detail FROM " + q +
                              ".append($1, $2, $3, $4, $5, $6, $7, $8, $9)");
    db_.prepare("notify", "SELECT pg_notify($1, '')");
    db_.prepare("version", "SELECT COALESCE(max(version), 0) FROM " + q + ".events WHERE stream_id = $1");
    db_.prepare("stream", "SELECT version, type, schema_version, payload FROM " + q +
                              ".events WHERE stream_id = $1 ORDER BY version");
    db_.prepare("versions", "SELECT version FROM " + q + ".events WHERE stream_id = $1 ORDER BY version");
    db_.prepare("horizon", "SELECT " + q + ".horizon()");
    db_.prepare("events", chunk_sql(q, "version, type, schema_version, payload",
                                    "stream_id = $5 AND version >= $1 AND version <= $2", "version"));
    db_.prepare("all", chunk_sql(q,
                                 "position, version, event_id, type, schema_version, payload, correlation_id, "
                                 "causation_id, recorded_at, stream_id",
                                 "position >= $1 AND position <= $2", "position"));
    wake_.bytes(("chronicle." + schema).substr(0, 63));  // the store's channel
  }

  // Reads the stream in the store's chunks, decoding each payload into its event struct and folding
  // it: the version, the status (1 placed, 2 confirmed, 3 shipped) and the count of notes.
  struct folded {
    std::int64_t version = 0;
    int status = 0;
    std::size_t notes = 0;
  };
  folded load(std::string_view stream) {
    folded out;
    for (std::int64_t from = 1;;) {
      p_.clear().int8(from).int8(max_key).int8(chunk_rows).int8(chunk_bytes).bytes(stream);
      result_ptr r(p_.run(db_.get(), "events"));
      if (!succeeded(r.get())) throw std::runtime_error("PostgreSQL: reading a stream: " + message_of(r.get()));
      const int rows = PQntuples(r.get());
      if (fold_rows(out, r.get()) < chunk_bytes && rows < chunk_rows) return out;
      from = out.version + 1;
    }
  }

  // The diagnostic: the whole stream in one SELECT, without chunks (what the chunks cost).
  folded load_at_once(std::string_view stream) {
    folded out;
    p_.clear().bytes(stream);
    result_ptr r(p_.run(db_.get(), "stream"));
    if (!succeeded(r.get())) throw std::runtime_error("PostgreSQL: reading a stream: " + message_of(r.get()));
    fold_rows(out, r.get());
    return out;
  }

  enum class outcome { written, conflict, duplicate };
  struct appended {
    outcome result = outcome::written;
    std::int64_t version = 0;  // the stream's, after a write or as found on a conflict
    std::int64_t position = 0;
    chronicle::clock::time_point at{};
    explicit operator bool() const { return result == outcome::written; }
  };

  // One event appended at exactly `expected` (no causation), through append() and, in the same round
  // trip, the NOTIFY.
  appended append(std::string_view stream, std::int64_t expected, std::string_view type, std::string_view payload,
                  const chronicle::event_id& id, const chronicle::event_id& correlation) {
    static constexpr char schema_version[4] = {0, 0, 0, 1};
    static constexpr chronicle::event_id no_cause{};
    p_.clear().bytes(stream).int4(3).int8(expected);  // 3: an exact version
    p_.one(uuid_oid, bytes_of(id)).one(text_oid, type).one(int4_oid, {schema_version, 4}).one(json_oid, payload);
    p_.one(uuid_oid, bytes_of(correlation)).one(uuid_oid, bytes_of(no_cause));
    result_ptr r = notify_ ? append_then_notify() : result_ptr(p_.run(db_.get(), "append"));

    if (!succeeded(r.get())) {
      // A writer of the same stream that committed first: a conflict, with the stream's version.
      if (field_of(r.get(), PG_DIAG_SQLSTATE) == "23505" &&
          field_of(r.get(), PG_DIAG_CONSTRAINT_NAME) == "events_stream_id_version_key")
        return {outcome::conflict, version_of(stream), 0, {}};
      throw std::runtime_error("PostgreSQL refused an append: " + message_of(r.get()));
    }
    switch (int4_at(r.get(), 0, 0)) {
      case 0: {
        // positions: a one-element int8[] (a 20-byte header, then the element's length and value).
        const std::int64_t position = static_cast<std::int64_t>(be(PQgetvalue(r.get(), 0, 2) + 24, 8));
        return {outcome::written, int8_at(r.get(), 0, 1), position, time_at(r.get(), 0, 3)};
      }
      case 3: return {outcome::conflict, int8_at(r.get(), 0, 4), 0, {}};
      default: return {outcome::duplicate, 0, 0, {}};
    }
  }

  // The order_summary read model brought up to date from `checkpoint` on, as the store's read_all
  // reads: rounds of horizon() and then chunks up to it, until a round finds nothing new.
  std::uint64_t catch_up(bench::summary_map& summaries, std::uint64_t checkpoint) {
    std::int64_t from = static_cast<std::int64_t>(checkpoint) + 1;
    for (;;) {
      const std::int64_t until = horizon();
      if (until < from) return checkpoint;
      std::size_t seen = 0;
      while (from <= until) {
        p_.clear().int8(from).int8(until).int8(chunk_rows).int8(chunk_bytes);
        result_ptr r(p_.run(db_.get(), "all"));
        if (!succeeded(r.get())) throw std::runtime_error("PostgreSQL: reading the log: " + message_of(r.get()));
        const int rows = PQntuples(r.get());
        std::int64_t bytes = 0;
        for (int i = 0; i < rows; ++i) {
          const auto payload = bytes_at(r.get(), i, 5);
          bytes += static_cast<std::int64_t>(payload.size());
          bench::order_summary& row = bench::row_for(summaries, bytes_at(r.get(), i, 9));
          const auto type = bytes_at(r.get(), i, 3);
          json_.parse(payload, [&](const boost::json::object& o) { project(row, type, o); });
          row.version = static_cast<std::uint64_t>(int8_at(r.get(), i, 1));
          row.updated_at = time_at(r.get(), i, 8);
          checkpoint = static_cast<std::uint64_t>(int8_at(r.get(), i, 0));
        }
        seen += static_cast<std::size_t>(rows);
        if (rows == 0 || (rows < chunk_rows && bytes < chunk_bytes)) break;
        from = static_cast<std::int64_t>(checkpoint) + 1;
      }
      if (seen == 0) return checkpoint;
      from = std::max(static_cast<std::int64_t>(checkpoint) + 1, until + 1);
    }
  }

  // The stream's versions, in order (W4's check, outside the timing).
  std::vector<std::uint64_t> versions(std::string_view stream) {
    p_.clear().bytes(stream);
    result_ptr r(p_.run(db_.get(), "versions"));
    if (!succeeded(r.get())) throw std::runtime_error("PostgreSQL: a stream's versions: " + message_of(r.get()));
    std::vector<std::uint64_t> out;
    for (int i = 0; i < PQntuples(r.get()); ++i) out.push_back(static_cast<std::uint64_t>(int8_at(r.get(), i, 0)));
    return out;
  }

 private:
  // Folds rows of (version, type, schema_version, payload); returns the payloads' bytes.
  std::int64_t fold_rows(folded& out, const PGresult* r) {
    std::int64_t bytes = 0;
    for (int i = 0; i < PQntuples(r); ++i) {
      out.version = int8_at(r, i, 0);
      const auto type = bytes_at(r, i, 1);
      const auto payload = bytes_at(r, i, 3);
      bytes += static_cast<std::int64_t>(payload.size());
      json_.parse(payload, [&](const boost::json::object& o) { fold(out, type, o); });
    }
    return bytes;
  }

  static void fold(folded& out, std::string_view type, const boost::json::object& o) {
    if (type == "OrderNoteAdded") {
      bench::OrderNoteAdded e{std::string(o.at("text").as_string())};
      benchmark::DoNotOptimize(e);
      ++out.notes;
    } else if (type == "OrderPlaced") {
      auto e = placed_from(o);
      benchmark::DoNotOptimize(e);
      out.status = 1;
    } else if (type == "OrderConfirmed") {
      out.status = 2;
    } else if (type == "OrderShipped") {
      orders::OrderShipped e{std::string(o.at("tracking").as_string())};
      benchmark::DoNotOptimize(e);
      out.status = 3;
    }
  }

  static void project(bench::order_summary& row, std::string_view type, const boost::json::object& o) {
    if (type == "OrderPlaced")
      bench::project(row, placed_from(o));
    else if (type == "OrderConfirmed")
      bench::project(row, orders::OrderConfirmed{});
    else if (type == "OrderShipped")
      bench::project(row, orders::OrderShipped{std::string(o.at("tracking").as_string())});
    else if (type == "OrderCancelled")
      bench::project(row, orders::OrderCancelled{std::string(o.at("reason").as_string())});
  }

  std::int64_t horizon() {
    result_ptr r(PQexecPrepared(db_.get(), "horizon", 0, nullptr, nullptr, nullptr, 1));
    if (!succeeded(r.get())) throw std::runtime_error("PostgreSQL: horizon(): " + message_of(r.get()));
    return PQgetisnull(r.get(), 0, 0) ? 0 : int8_at(r.get(), 0, 0);
  }

  std::int64_t version_of(std::string_view stream) {
    p_.clear().bytes(stream);
    result_ptr r(p_.run(db_.get(), "version"));
    if (!succeeded(r.get())) throw std::runtime_error("PostgreSQL: a stream's version: " + message_of(r.get()));
    return int8_at(r.get(), 0, 0);
  }

  // append() and then pg_notify(), each in a transaction of its own, in one round trip (pipeline
  // mode, one sync after each); the first statement's result.
  result_ptr append_then_notify() {
    PGconn* c = db_.get();
    if (PQenterPipelineMode(c) != 1) throw std::runtime_error("PostgreSQL: no pipeline mode");
    if (!p_.queue(c, "append") || PQpipelineSync(c) != 1 || !wake_.queue(c, "notify") || PQpipelineSync(c) != 1)
      throw std::runtime_error("PostgreSQL: sending an append: " + std::string(PQerrorMessage(c)));
    result_ptr first;
    // Each statement's results end with a null, each sync brings a PIPELINE_SYNC: two nulls in a row
    // mean nothing more will come (the connection broke).
    for (int syncs = 0, nulls = 0; syncs < 2;) {
      result_ptr r(PQgetResult(c));
      if (!r) {
        if (++nulls == 2) throw std::runtime_error("PostgreSQL: the connection broke during an append");
        continue;
      }
      nulls = 0;
      if (PQresultStatus(r.get()) == PGRES_PIPELINE_SYNC)
        ++syncs;
      else if (!first)
        first = std::move(r);
    }
    PQexitPipelineMode(c);
    return first;
  }

  connection db_;
  bool notify_;
  params p_;
  params wake_;
  json_reader json_;
};

std::string schema_name(const char* workload, durability d, const char* who) {
  return std::string("chronicle_bench_") + workload + (d == durability::on ? "_on_" : "_off_") + who;
}
std::string setting(durability d) { return d == durability::on ? "sync_on" : "sync_off"; }

// A subscriber of the schema waiting for new events on a thread of its own while it lives, as a projector
// in another process would: what makes appends send NOTIFYs.
class subscriber_listening {
 public:
  subscriber_listening(const std::string& conninfo, const std::string& schema)
      : store_(conninfo, chronicle::postgres_options{.schema = schema}) {
    (void)store_.wait_for_position(std::numeric_limits<std::uint64_t>::max(), std::chrono::nanoseconds(0));
    thread_ = std::thread([this] {
      while (!stop_.load()) (void)store_.wait_for_position(std::numeric_limits<std::uint64_t>::max(), std::chrono::milliseconds(20));
    });
  }
  subscriber_listening(const subscriber_listening&) = delete;
  subscriber_listening& operator=(const subscriber_listening&) = delete;
  ~subscriber_listening() {
    stop_ = true;
    thread_.join();
  }

 private:
  chronicle::postgres_store<bench::noted_event> store_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// ---- W1 ------------------------------------------------------------------------------------------------
// As the in-memory W1: every command is followed by the order_summary read model's update. Chronicle
// runs it inline through a projecting_store (fed from what the append reports it wrote); the
// hand-written code updates its map from the event it just wrote, with the version and time append()
// returned.
struct chronicle_pg_orders {
  chronicle_pg_orders(const std::string& conninfo, const std::string& schema)
      : events(conninfo, chronicle::postgres_options{.schema = schema}) {}
  chronicle::postgres_store<orders::order_event> events;
  bench::chronicle_summaries summaries;
  chronicle::projecting_store<decltype(events), decltype(summaries.model)> store{events, summaries.model};
  chronicle::repository<orders::order_aggregate, decltype(store)> repository{store};
};

void w1_report(benchmark::State& state, std::size_t failed, bool consistent) {
  const double commands = 3.0 * w1_orders * static_cast<double>(state.iterations());
  state.counters["commands_per_second"] = benchmark::Counter(commands, benchmark::Counter::kIsRate);
  state.counters["seconds_per_command"] =
      benchmark::Counter(commands, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  if (failed != 0) state.SkipWithError("a command was refused");
  if (!consistent) state.SkipWithError("the order_summary read model is not what the commands imply");
}

// `listened` false: the diagnostic with no subscriber listening.
void w1_chronicle(benchmark::State& state, durability d, bool listened) {
  const auto conninfo = server_or_skip(state, d);
  if (!conninfo) return;
  guarded(state, [&] {
    const auto& input = bench::orders_input(w1_orders);
    const std::string schema = schema_name(listened ? "w1" : "w1_no_notify", d, "chronicle");
    std::size_t failed = 0;
    bool consistent = true;
    double seconds = 0;
    for (auto _ : state) {
      drop_schema(*conninfo, schema);
      auto world = std::make_unique<chronicle_pg_orders>(*conninfo, schema);
      std::optional<subscriber_listening> subscriber;
      if (listened) subscriber.emplace(*conninfo, schema);
      const auto start = std::chrono::steady_clock::now();
      for (const auto& o : input) failed += !world->repository.execute(o.stream, o.place);
      for (const auto& o : input) failed += !world->repository.execute(o.stream, o.confirm);
      for (const auto& o : input) failed += !world->repository.execute(o.stream, o.ship);
      const double elapsed = seconds_since(start);
      state.SetIterationTime(elapsed);
      seconds += elapsed;
      consistent = consistent && bench::all_shipped_in(world->summaries, w1_orders);
    }
    drop_schema(*conninfo, schema);
    w1_report(state, failed, consistent);
    if (failed == 0 && consistent)
      record_cost(state, "W1/" + setting(d) + (listened ? "" : "/no_notify"), chronicle_side,
                  seconds / (3.0 * w1_orders * static_cast<double>(state.iterations())));
  });
}

// `notify` false: the diagnostic with no subscriber listening and no NOTIFY after each append.
void w1_baseline(benchmark::State& state, durability d, bool notify) {
  const auto conninfo = server_or_skip(state, d);
  if (!conninfo) return;
  guarded(state, [&] {
    const auto& input = bench::orders_input(w1_orders);
    const std::string schema = schema_name(notify ? "w1" : "w1_no_notify", d, "baseline");
    chronicle::id_generator ids;
    std::size_t failed = 0;
    bool consistent = true;
    double seconds = 0;
    for (auto _ : state) {
      fresh_schema<orders::order_event>(*conninfo, schema);
      auto db = std::make_unique<raw_postgres>(*conninfo, schema, notify);
      std::optional<subscriber_listening> subscriber;
      if (notify) subscriber.emplace(*conninfo, schema);
      bench::summary_map rows;
      // Load, check the order's status, append at the loaded version, then the summary row.
      const auto command = [&](const std::string& order, int expected_status, std::string_view type,
                               const std::string& payload, const auto& event) {
        const auto loaded = db->load(order);
        if (loaded.status != expected_status) return false;
        const auto id = ids();
        const auto written = db->append(order, loaded.version, type, payload, id, id);
        if (!written) return false;
        bench::order_summary& row = bench::row_for(rows, order);
        bench::project(row, event);
        row.version = static_cast<std::uint64_t>(written.version);
        row.updated_at = written.at;
        return true;
      };
      const auto start = std::chrono::steady_clock::now();
      for (const auto& o : input)
        failed += !command(o.stream, 0, "OrderPlaced", placed_json(o.place),
                           orders::OrderPlaced{o.place.user_id, o.place.product_id, o.place.quantity, o.place.unit_price});
      for (const auto& o : input) failed += !command(o.stream, 1, "OrderConfirmed", "{}", orders::OrderConfirmed{});
      for (const auto& o : input)
        failed += !command(o.stream, 2, "OrderShipped", boost::json::serialize(boost::json::object{{"tracking", o.ship.tracking}}),
                           orders::OrderShipped{o.ship.tracking});
      const double elapsed = seconds_since(start);
      state.SetIterationTime(elapsed);
      seconds += elapsed;
      consistent = consistent && bench::all_shipped(rows, w1_orders);
    }
    drop_schema(*conninfo, schema);
    w1_report(state, failed, consistent);
    if (failed == 0 && consistent)
      record_cost(state, "W1/" + setting(d) + (notify ? "" : "/no_notify"), baseline_side,
                  seconds / (3.0 * w1_orders * static_cast<double>(state.iterations())));
  });
}

// ---- W2 ------------------------------------------------------------------------------------------------
const std::string w2_schema = "chronicle_bench_w2";
constexpr std::string_view w2_stream = "long";

// The stream, written once per run (one append) and vacuumed, so that neither side sets hint bits the
// other then finds set. Both settings read it.
void w2_fill() {
  static const bool filled = [] {
    const std::string conninfo = *server(durability::off);
    drop_schema(conninfo, w2_schema);
    chronicle::postgres_store<bench::noted_event> store(conninfo, chronicle::postgres_options{.schema = w2_schema});
    std::vector<chronicle::pending_event<bench::noted_event>> batch;
    batch.push_back({orders::OrderPlaced{{}, "widget", 1, {100}}});
    for (std::size_t i = 1; i < bench::w2_events; ++i) batch.push_back({bench::OrderNoteAdded{bench::note_text(i)}});
    if (!store.append(w2_stream, chronicle::expected_version::no_stream(), batch))
      throw std::runtime_error("W2: the stream could not be written");
    connection(conninfo).exec("VACUUM (ANALYZE) \"" + w2_schema + "\".events");
    return true;
  }();
  (void)filled;
}

// `compared` false: a diagnostic, with no counterpart on the other side.
void w2_report(benchmark::State& state, durability d, side s, std::size_t notes, double seconds, bool compared = true) {
  state.counters["seconds_per_load"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  if (notes != bench::w2_events - 1)
    state.SkipWithError("the fold missed events");
  else if (compared)
    record_cost(state, "W2/" + setting(d), s, seconds / static_cast<double>(state.iterations()));
}

void w2_chronicle(benchmark::State& state, durability d) {
  const auto conninfo = server_or_skip(state, d);
  if (!conninfo) return;
  guarded(state, [&] {
    w2_fill();
    chronicle::postgres_store<bench::noted_event> store(*conninfo, chronicle::postgres_options{.schema = w2_schema});
    chronicle::repository<bench::noted_aggregate, decltype(store)> repository{store};
    std::size_t notes = repository.load(w2_stream)->state.notes;  // opens the connection, outside the timing
    double seconds = 0;
    for (auto _ : state) {
      const auto start = std::chrono::steady_clock::now();
      notes = repository.load(w2_stream)->state.notes;
      const double elapsed = seconds_since(start);
      state.SetIterationTime(elapsed);
      seconds += elapsed;
    }
    w2_report(state, d, chronicle_side, notes, seconds);
  });
}

// `chunked` false: the diagnostic that reads the stream in one SELECT.
void w2_baseline(benchmark::State& state, durability d, bool chunked) {
  const auto conninfo = server_or_skip(state, d);
  if (!conninfo) return;
  guarded(state, [&] {
    w2_fill();
    raw_postgres db(*conninfo, w2_schema);
    const auto load = [&] { return chunked ? db.load(w2_stream) : db.load_at_once(w2_stream); };
    std::size_t notes = load().notes;  // as chronicle's side: one load before the timing
    double seconds = 0;
    for (auto _ : state) {
      const auto start = std::chrono::steady_clock::now();
      notes = load().notes;
      const double elapsed = seconds_since(start);
      state.SetIterationTime(elapsed);
      seconds += elapsed;
    }
    w2_report(state, d, baseline_side, notes, seconds, chunked);
  });
}

// ---- W3 ------------------------------------------------------------------------------------------------
const std::string w3_schema = "chronicle_bench_w3";

// 333,334 orders (1,000,002 events), or a third of CHRONICLE_BENCH_PG_EVENTS.
std::size_t w3_orders() {
  static const std::size_t n = [] {
    std::size_t events = 1'000'000;
    if (const char* s = std::getenv("CHRONICLE_BENCH_PG_EVENTS"); s != nullptr && *s != '\0')
      events = std::max<std::size_t>(3, std::stoull(s));
    return (events + 2) / 3;
  }();
  return n;
}

// The log, written once per run through chronicle's restore (one transaction; each order's three
// events one after another, positions 1..N) and vacuumed. Both settings read it.
void w3_fill() {
  static const bool filled = [] {
    const std::string conninfo = *server(durability::off);
    drop_schema(conninfo, w3_schema);
    chronicle::postgres_store<orders::order_event> store(conninfo, chronicle::postgres_options{.schema = w3_schema});
    const auto& input = bench::orders_input(w3_orders());
    std::vector<chronicle::recorded_event<orders::order_event>> records(3 * input.size());
    chronicle::id_generator ids;
    const auto start = std::chrono::time_point_cast<std::chrono::microseconds>(chronicle::clock::now());
    for (std::size_t i = 0; i < records.size(); ++i) {
      const auto& o = input[i / 3];
      auto& r = records[i];
      r.stream_id = o.stream;
      r.version = i % 3 + 1;
      r.position = i + 1;
      r.id = ids();
      r.correlation_id = r.id;
      r.recorded_at = start + std::chrono::microseconds(i);
      if (r.version == 1)
        r.event = orders::OrderPlaced{o.place.user_id, o.place.product_id, o.place.quantity, o.place.unit_price};
      else if (r.version == 2)
        r.event = orders::OrderConfirmed{};
      else
        r.event = orders::OrderShipped{o.ship.tracking};
    }
    store.restore(records);
    connection(conninfo).exec("VACUUM (ANALYZE) \"" + w3_schema + "\".events");
    return true;
  }();
  (void)filled;
}

void w3_report(benchmark::State& state, durability d, side s, bool complete, double seconds) {
  const double events = 3.0 * static_cast<double>(w3_orders()) * static_cast<double>(state.iterations());
  state.counters["events_per_second"] = benchmark::Counter(events, benchmark::Counter::kIsRate);
  if (!complete)
    state.SkipWithError("the replay did not build the expected read model");
  else
    record_cost(state, "W3/" + setting(d), s, seconds / events);
}

void w3_chronicle(benchmark::State& state, durability d) {
  const auto conninfo = server_or_skip(state, d);
  if (!conninfo) return;
  guarded(state, [&] {
    w3_fill();
    chronicle::postgres_store<orders::order_event> store(*conninfo, chronicle::postgres_options{.schema = w3_schema});
    (void)store.head_position();  // opens the connection, outside the timing
    const std::size_t n = w3_orders();
    bool complete = true;
    double seconds = 0;
    for (auto _ : state) {
      auto model = std::make_unique<bench::chronicle_summaries>();
      const auto start = std::chrono::steady_clock::now();
      model->catch_up(store);
      const double elapsed = seconds_since(start);
      state.SetIterationTime(elapsed);
      seconds += elapsed;
      complete = complete && bench::checkpoint_of(*model) == 3 * n && bench::all_shipped_in(*model, n);
    }
    w3_report(state, d, chronicle_side, complete, seconds);
  });
}

void w3_baseline(benchmark::State& state, durability d) {
  const auto conninfo = server_or_skip(state, d);
  if (!conninfo) return;
  guarded(state, [&] {
    w3_fill();
    raw_postgres db(*conninfo, w3_schema);
    const std::size_t n = w3_orders();
    bool complete = true;
    double seconds = 0;
    for (auto _ : state) {
      auto rows = std::make_unique<bench::summary_map>();
      const auto start = std::chrono::steady_clock::now();
      const std::uint64_t checkpoint = db.catch_up(*rows, 0);
      const double elapsed = seconds_since(start);
      state.SetIterationTime(elapsed);
      seconds += elapsed;
      complete = complete && checkpoint == 3 * n && bench::all_shipped(*rows, n);
    }
    w3_report(state, d, baseline_side, complete, seconds);
  });
}

// ---- W4 ------------------------------------------------------------------------------------------------
// Two threads append a note to one stream with the same expected version, 1,000 rounds: every round
// must have exactly one winner, and the stream must end with versions 1..1,000, none twice. The loser
// is refused either by append()'s version check (the winner had committed) or, waiting on the winner's
// row, by UNIQUE (stream_id, version): both sides read the latter as a conflict, as the store does.

// Chronicle: both threads share one store (its pool lends each a connection).
struct chronicle_contenders {
  chronicle_contenders(const std::string& conninfo, const std::string& schema, std::size_t)
      : store(conninfo, chronicle::postgres_options{.schema = schema}) {}
  bool append(std::size_t, const std::string& stream, std::uint64_t version, const char* text) {
    return static_cast<bool>(
        store.append(stream, chronicle::expected_version::exact(version), {{bench::OrderNoteAdded{text}}}));
  }
  std::vector<std::uint64_t> versions(const std::string& stream) const {
    std::vector<std::uint64_t> v;
    store.read_stream(stream, 1, [&](const auto& r) { v.push_back(r.version); });
    return v;
  }
  chronicle::postgres_store<bench::noted_event> store;
};

// By hand: a connection and an id generator per thread.
struct baseline_contenders {
  baseline_contenders(const std::string& conninfo, const std::string& schema, std::size_t threads)
      : ids(threads) {
    for (std::size_t t = 0; t < threads; ++t) db.push_back(std::make_unique<raw_postgres>(conninfo, schema));
  }
  bool append(std::size_t t, const std::string& stream, std::uint64_t version, const char* text) {
    return static_cast<bool>(db[t]->append(stream, static_cast<std::int64_t>(version), "OrderNoteAdded",
                                           note_json(text), ids[t](), chronicle::event_id{}));
  }
  std::vector<std::uint64_t> versions(const std::string& stream) const { return db.front()->versions(stream); }
  std::vector<std::unique_ptr<raw_postgres>> db;
  std::vector<chronicle::id_generator> ids;
};

template <class Contenders>
void one_winner(benchmark::State& state, durability d, side s) {
  const auto conninfo = server_or_skip(state, d);
  if (!conninfo) return;
  guarded(state, [&] {
    const std::string schema = schema_name("w4", d, s == chronicle_side ? "chronicle" : "baseline");
    const std::string stream = "order-contended";
    double all_rounds = 0, one_winner_rounds = 0, duplicate_versions = 0, missing_versions = 0, seconds = 0;
    for (auto _ : state) {
      fresh_schema<bench::noted_event>(*conninfo, schema);
      Contenders sides(*conninfo, schema, 2);
      std::array<std::vector<char>, 2> won{std::vector<char>(w4_rounds), std::vector<char>(w4_rounds)};
      std::array<std::exception_ptr, 2> errors;
      std::barrier start_round(2);
      std::chrono::steady_clock::time_point started;
      auto contender = [&](std::size_t t) {
        try {
          // Outside the timing: both connections open and the statements planned, on streams of their own.
          for (std::uint64_t r = 0; r < 3; ++r) {
            start_round.arrive_and_wait();
            (void)sides.append(t, "warm-up-" + std::to_string(t), r, "warm-up");
          }
          start_round.arrive_and_wait();
          if (t == 0) started = std::chrono::steady_clock::now();
          for (std::size_t r = 0; r < w4_rounds; ++r) {
            start_round.arrive_and_wait();
            won[t][r] = sides.append(t, stream, r, t == 0 ? "first" : "second");
          }
        } catch (...) {
          errors[t] = std::current_exception();
          start_round.arrive_and_drop();  // the other thread goes on alone
        }
      };
      std::thread second(contender, 1);
      contender(0);
      second.join();
      const double elapsed = seconds_since(started);
      state.SetIterationTime(elapsed);
      seconds += elapsed;
      for (const auto& e : errors)
        if (e) std::rethrow_exception(e);

      all_rounds += w4_rounds;
      for (std::size_t r = 0; r < w4_rounds; ++r) one_winner_rounds += (won[0][r] + won[1][r]) == 1;
      auto versions = sides.versions(stream);
      std::sort(versions.begin(), versions.end());
      duplicate_versions += static_cast<double>(versions.end() - std::unique(versions.begin(), versions.end()));
      versions.erase(std::unique(versions.begin(), versions.end()), versions.end());
      missing_versions += static_cast<double>(w4_rounds - versions.size());
    }
    drop_schema(*conninfo, schema);
    state.counters["rounds"] = all_rounds;
    state.counters["one_winner_rounds"] = one_winner_rounds;
    state.counters["duplicate_versions"] = duplicate_versions;
    state.counters["missing_versions"] = missing_versions;
    state.counters["seconds_per_round"] =
        benchmark::Counter(all_rounds, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
    if (one_winner_rounds != all_rounds || duplicate_versions != 0 || missing_versions != 0)
      state.SkipWithError("a round did not have exactly one winner, or the stream's versions are not 1..1000 once each");
    else
      record_cost(state, "W4/" + setting(d), s, seconds / all_rounds);
  });
}

// ---- W5 ------------------------------------------------------------------------------------------------
// Each thread appends 2,000 notes (ids chosen beforehand), round robin over 100 streams of its own,
// with exact expected versions; a run of N threads does N times the work of the 1-thread run.

struct w5_input {
  std::vector<std::string> streams;
  std::vector<chronicle::event_id> ids;
};
w5_input make_w5_input(std::size_t thread) {
  bench::seeded_uuids make_id(static_cast<std::uint32_t>(100 + thread));
  w5_input in;
  for (std::size_t s = 0; s < w5_streams_per_thread; ++s)
    in.streams.push_back("thread-" + std::to_string(thread) + "-" + boost::uuids::to_string(make_id()));
  for (std::size_t i = 0; i < w5_appends_per_thread; ++i) in.ids.push_back(make_id());
  return in;
}

// With group commit (the default) or without: then each writer's append runs on a connection of its own.
template <bool GroupCommit>
struct chronicle_writers {
  static constexpr const char* label = GroupCommit ? "chronicle" : "chronicle_no_group_commit";
  chronicle_writers(const std::string& conninfo, const std::string& schema, std::size_t, bool)
      : store(conninfo, chronicle::postgres_options{.schema = schema, .group_commit = GroupCommit}) {}
  std::uint64_t commits() const { return store.append_commits(); }
  bool append(std::size_t, const std::string& stream, std::uint64_t version, const chronicle::event_id& id) {
    const chronicle::pending_event<bench::noted_event> note{bench::OrderNoteAdded{"packed"}, id, {}, {}};
    return static_cast<bool>(store.append(stream, chronicle::expected_version::exact(version),
                                          std::span<const chronicle::pending_event<bench::noted_event>>(&note, 1)));
  }
  chronicle::postgres_store<bench::noted_event> store;  // pool_size 8: a connection for each writer
};

struct baseline_writers {
  static constexpr const char* label = "baseline";
  baseline_writers(const std::string& conninfo, const std::string& schema, std::size_t threads, bool notify) {
    for (std::size_t t = 0; t < threads; ++t) db.push_back(std::make_unique<raw_postgres>(conninfo, schema, notify));
  }
  bool append(std::size_t t, const std::string& stream, std::uint64_t version, const chronicle::event_id& id) {
    return static_cast<bool>(db[t]->append(stream, static_cast<std::int64_t>(version), "OrderNoteAdded",
                                           note_json("packed"), id, chronicle::event_id{}));
  }
  std::vector<std::unique_ptr<raw_postgres>> db;
};

// `notify` false: the diagnostic with no subscriber listening (and the baseline sending no NOTIFY).
template <class Writers>
void distinct_streams(benchmark::State& state, durability d, side s, bool notify) {
  const auto conninfo = server_or_skip(state, d);
  if (!conninfo) return;
  guarded(state, [&] {
    const auto threads = static_cast<std::size_t>(state.range(0));
    const std::string who = std::string(Writers::label) + (notify ? "" : "_no_notify");
    const std::string schema = schema_name("w5", d, who.c_str());
    std::vector<w5_input> inputs;
    for (std::size_t t = 0; t < threads; ++t) inputs.push_back(make_w5_input(t));
    std::size_t failed = 0;
    double seconds = 0, commits = 0;
    for (auto _ : state) {
      fresh_schema<bench::noted_event>(*conninfo, schema);
      Writers writers(*conninfo, schema, threads, notify);
      std::uint64_t commits_before = 0;  // the commits after the warm-up
      std::optional<subscriber_listening> subscriber;
      if (notify) subscriber.emplace(*conninfo, schema);
      std::vector<std::chrono::steady_clock::time_point> begin(threads), end(threads);
      std::vector<std::size_t> failures(threads);
      std::vector<std::exception_ptr> errors(threads);
      std::latch go(static_cast<std::ptrdiff_t>(threads));
      auto writer = [&](std::size_t t) {
        try {
          // Outside the timing, all threads at once: every connection opened, the statements planned.
          chronicle::id_generator warm_up_ids;
          for (std::uint64_t v = 0; v < 5; ++v) (void)writers.append(t, "warm-up-" + std::to_string(t), v, warm_up_ids());
        } catch (...) {
          errors[t] = std::current_exception();
        }
        go.arrive_and_wait();
        if constexpr (requires { writers.commits(); })
          if (t == 0) commits_before = writers.commits();
        begin[t] = end[t] = std::chrono::steady_clock::now();
        if (errors[t]) return;
        try {
          const auto& in = inputs[t];
          std::size_t refused = 0;  // counted here: neighbouring elements of `failures` share a cache line
          for (std::size_t i = 0; i < w5_appends_per_thread; ++i)
            refused += !writers.append(t, in.streams[i % w5_streams_per_thread], i / w5_streams_per_thread, in.ids[i]);
          failures[t] = refused;
        } catch (...) {
          errors[t] = std::current_exception();
        }
        end[t] = std::chrono::steady_clock::now();
      };
      std::vector<std::thread> others;
      for (std::size_t t = 1; t < threads; ++t) others.emplace_back(writer, t);
      writer(0);
      for (auto& th : others) th.join();
      for (const auto& e : errors)
        if (e) std::rethrow_exception(e);
      if constexpr (requires { writers.commits(); }) commits += static_cast<double>(writers.commits() - commits_before);
      const auto first = *std::min_element(begin.begin(), begin.end());
      const auto last = *std::max_element(end.begin(), end.end());
      const double elapsed = std::chrono::duration<double>(last - first).count();
      state.SetIterationTime(elapsed);
      seconds += elapsed;
      for (auto f : failures) failed += f;
    }
    drop_schema(*conninfo, schema);
    const double appends = static_cast<double>(threads * w5_appends_per_thread) * static_cast<double>(state.iterations());
    state.counters["appends_per_second"] = benchmark::Counter(appends, benchmark::Counter::kIsRate);
    if (commits > 0) state.counters["appends_per_commit"] = appends / commits;
    if (failed != 0) {
      state.SkipWithError("an append was refused");
      return;
    }
    // A run of several threads reports its throughput over the 1-thread run's (same side and setting; its
    // median over repetitions).
    static std::map<std::string, std::vector<double>> one_thread;
    const std::string key = setting(d) + "/" + who;
    const double rate = appends / seconds;
    if (threads == 1) one_thread[key].push_back(rate);
    if (threads > 1 && !one_thread[key].empty()) state.counters["scaling"] = rate / median(one_thread[key]);
    record_cost(state, "W5/" + setting(d) + "/" + std::to_string(threads) + (notify ? "" : "/no_notify") +
                           (s == chronicle_side && who.find("no_group") != std::string::npos ? "/no_group_commit" : ""),
                s, seconds / appends);
  });
}

// ---- A growing stream (issue 13, requirement 4) ----------------------------------------------------
// 1,000 batches of 1,000 OrderNoteAdded events appended to one stream of a fresh schema (1,000,000
// events; a thousandth of CHRONICLE_BENCH_PG_EVENTS batches when it is set), then a tenth as many
// events more, one 1,000-event batch to each of as many new streams of the same table. Counters: the
// rate over the long stream's first and last tenth, the new streams' rate, and `long_over_new`, the
// cost of appending to the long stream (its last tenth) over the cost of appending to a new one: what
// requirement 4 bounds by 1.3x.
void growth_postgres(benchmark::State& state, durability d) {
  const auto conninfo = server_or_skip(state, d);
  if (!conninfo) return;
  guarded(state, [&] {
    std::size_t batches = 1'000;
    if (const char* s = std::getenv("CHRONICLE_BENCH_PG_EVENTS"); s != nullptr && *s != '\0')
      batches = std::max<std::size_t>(10, std::stoull(s) / 1'000 / 10 * 10);
    const std::string schema = schema_name("growth", d, "chronicle");
    drop_schema(*conninfo, schema);
    chronicle::postgres_store<bench::noted_event> store(*conninfo, chronicle::postgres_options{.schema = schema});
    std::vector<chronicle::pending_event<bench::noted_event>> batch;
    for (std::size_t i = 0; i < 1'000; ++i) batch.push_back({bench::OrderNoteAdded{bench::note_text(i)}});
    bool failed = false;
    double first = 0, last = 0, fresh = 0;
    for (auto _ : state) {
      auto tenth_start = std::chrono::steady_clock::now();
      for (std::size_t b = 0; b < batches; ++b) {
        failed |= !store.append("long", chronicle::expected_version::exact(b * batch.size()), batch);
        if ((b + 1) % (batches / 10) == 0) {
          const double rate = static_cast<double>(batches / 10 * batch.size()) / seconds_since(tenth_start);
          if (b + 1 == batches / 10) first = rate;
          last = rate;
          tenth_start = std::chrono::steady_clock::now();
        }
      }
      const auto start = std::chrono::steady_clock::now();
      for (std::size_t s = 0; s < batches / 10; ++s)
        failed |= !store.append("new-" + std::to_string(s), chronicle::expected_version::no_stream(), batch);
      fresh = static_cast<double>(batches / 10 * batch.size()) / seconds_since(start);
      state.SetIterationTime(seconds_since(start));
    }
    drop_schema(*conninfo, schema);
    if (failed) return state.SkipWithError("an append was refused");
    state.counters["first_tenth_per_second"] = first;
    state.counters["last_tenth_per_second"] = last;
    state.counters["new_streams_per_second"] = fresh;
    state.counters["long_over_new"] = fresh / last;
  });
}

// Fixed iteration counts: Google Benchmark's trial runs would otherwise report costs of their own to
// record_cost. Repetitions (--benchmark_repetitions) give medians.
constexpr int w2_iterations = 30;

[[maybe_unused]] const bool registered = [] {
  using benchmark::State;
  for (const durability d : {durability::on, durability::off}) {
    const std::string sync = "_" + setting(d);
    const auto named = [&](const char* workload, const char* who) { return std::string(workload) + sync + "/" + who; };
    benchmark::RegisterBenchmark(named("W1_postgres", "baseline").c_str(), [d](State& s) { w1_baseline(s, d, true); })
        ->Iterations(1)->UseManualTime()->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(named("W1_postgres", "chronicle").c_str(), [d](State& s) { w1_chronicle(s, d, true); })
        ->Iterations(1)->UseManualTime()->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(named("W1_postgres_no_notify", "baseline").c_str(), [d](State& s) { w1_baseline(s, d, false); })
        ->Iterations(1)->UseManualTime()->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(named("W1_postgres_no_notify", "chronicle").c_str(), [d](State& s) { w1_chronicle(s, d, false); })
        ->Iterations(1)->UseManualTime()->Unit(benchmark::kMillisecond);
  }
  for (const durability d : {durability::on, durability::off}) {
    const std::string sync = "_" + setting(d);
    benchmark::RegisterBenchmark(("W2_postgres" + sync + "/baseline").c_str(), [d](State& s) { w2_baseline(s, d, true); })
        ->Iterations(w2_iterations)->UseManualTime()->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(("W2_postgres" + sync + "/chronicle").c_str(), [d](State& s) { w2_chronicle(s, d); })
        ->Iterations(w2_iterations)->UseManualTime()->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(("W2_postgres_one_query" + sync + "/baseline").c_str(),
                                 [d](State& s) { w2_baseline(s, d, false); })
        ->Iterations(w2_iterations)->UseManualTime()->Unit(benchmark::kMillisecond);
  }
  for (const durability d : {durability::on, durability::off}) {
    const std::string sync = "_" + setting(d);
    benchmark::RegisterBenchmark(("W3_postgres" + sync + "/baseline").c_str(), [d](State& s) { w3_baseline(s, d); })
        ->Iterations(3)->UseManualTime()->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(("W3_postgres" + sync + "/chronicle").c_str(), [d](State& s) { w3_chronicle(s, d); })
        ->Iterations(3)->UseManualTime()->Unit(benchmark::kMillisecond);
  }
  for (const durability d : {durability::on, durability::off}) {
    const std::string sync = "_" + setting(d);
    benchmark::RegisterBenchmark(("W4_postgres" + sync + "/baseline").c_str(),
                                 [d](State& s) { one_winner<baseline_contenders>(s, d, baseline_side); })
        ->Iterations(1)->UseManualTime()->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(("W4_postgres" + sync + "/chronicle").c_str(),
                                 [d](State& s) { one_winner<chronicle_contenders>(s, d, chronicle_side); })
        ->Iterations(1)->UseManualTime()->Unit(benchmark::kMillisecond);
  }
  for (const durability d : {durability::on, durability::off}) {
    const std::string sync = "_" + setting(d);
    benchmark::RegisterBenchmark(("W5_postgres" + sync + "/baseline").c_str(),
                                 [d](State& s) { distinct_streams<baseline_writers>(s, d, baseline_side, true); })
        ->ArgName("threads")->Arg(1)->Arg(2)->Arg(4)->Arg(8)->Iterations(1)->UseManualTime()->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(("W5_postgres" + sync + "/chronicle").c_str(),
                                 [d](State& s) { distinct_streams<chronicle_writers<true>>(s, d, chronicle_side, true); })
        ->ArgName("threads")->Arg(1)->Arg(2)->Arg(4)->Arg(8)->Iterations(1)->UseManualTime()->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(("W5_postgres" + sync + "/chronicle_no_group_commit").c_str(),
                                 [d](State& s) { distinct_streams<chronicle_writers<false>>(s, d, chronicle_side, true); })
        ->ArgName("threads")->Arg(1)->Arg(2)->Arg(4)->Arg(8)->Iterations(1)->UseManualTime()->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(("W5_postgres_no_notify" + sync + "/baseline").c_str(),
                                 [d](State& s) { distinct_streams<baseline_writers>(s, d, baseline_side, false); })
        ->ArgName("threads")->Arg(1)->Arg(2)->Arg(4)->Arg(8)->Iterations(1)->UseManualTime()->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(("W5_postgres_no_notify" + sync + "/chronicle").c_str(),
                                 [d](State& s) { distinct_streams<chronicle_writers<true>>(s, d, chronicle_side, false); })
        ->ArgName("threads")->Arg(1)->Arg(2)->Arg(4)->Arg(8)->Iterations(1)->UseManualTime()->Unit(benchmark::kMillisecond);
  }
  for (const durability d : {durability::on, durability::off})
    benchmark::RegisterBenchmark(("PostgreSQL_growing_stream_" + setting(d) + "/chronicle").c_str(),
                                 [d](State& s) { growth_postgres(s, d); })
        ->Iterations(1)->UseManualTime()->Unit(benchmark::kSecond);
  return true;
}();

}  // namespace
