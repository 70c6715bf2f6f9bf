// The PostgreSQL store against raw libpq code running the same SQL (the chronicle::postgres component):
// W1_postgres: 10,000 orders x place, confirm, ship (30,000 commands), each command a load of the stream
// (the store's chunked SELECT), a decision and an append (the schema's append() function, then
// pg_notify, pipelined in the same round trip), then the order_summary read model's update in memory.
// W2_postgres: load a stream of 10,000 events (OrderPlaced, then 9,999 OrderNoteAdded) and fold it.
// W3_postgres: catch a fresh order_summary read model up on 1,000,002 events (333,334 orders x placed,
// confirmed, shipped): horizon(), then chunks of the global order. CHRONICLE_BENCH_PG_EVENTS=N reads
// about N events instead, for quick runs.
// W4_postgres: two threads, 1,000 rounds, both appending to one stream with the same expected version:
// exactly one winner a round.
// W5_postgres: 1 and 8 threads appending to streams of their own; on the 8-thread run, `scaling` is
// its throughput over the 1-thread run's.
// Each in two durability settings, set per connection (`options=-csynchronous_commit=...`): `sync_on`,
// PostgreSQL's default (a commit waits for its WAL flush), and `sync_off`.
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

// Each workload's cost on each side (seconds per command, load, event, round or append), so that the
// side that runs second reports `ratio`: chronicle's cost over the baseline's. Benchmarks run one
// after another on the main thread.
enum side : std::size_t { chronicle_side, baseline_side };
void record_cost(benchmark::State& state, const std::string& workload, side s, double cost) {
  static std::map<std::string, std::array<double, 2>> costs;
  auto& pair = costs[workload];
  pair[s] = cost;
  if (pair[chronicle_side] > 0 && pair[baseline_side] > 0)
    state.counters["ratio"] = pair[chronicle_side] / pair[baseline_side];
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
constexpr std::int64_t chunk_rows = 512;
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
      std::int64_t bytes = 0;
      for (int i = 0; i < rows; ++i) {
        out.version = int8_at(r.get(), i, 0);
        const auto type = bytes_at(r.get(), i, 1);
        const auto payload = bytes_at(r.get(), i, 3);
        bytes += static_cast<std::int64_t>(payload.size());
        json_.parse(payload, [&](const boost::json::object& o) { fold(out, type, o); });
      }
      if (rows < chunk_rows && bytes < chunk_bytes) return out;
      from = out.version + 1;
    }
  }

  enum class outcome { written, conflict, duplicate };
  struct appended {
    outcome result = outcome::written;
    std::int64_t version = 0;  // the stream's, after a write or as found on a conflict
    std::int64_t position = 0;
    chronicle::clock::time_point at{};
    explicit operator bool() const { return result == outcome::written; }
  };

  // One event appended at exactly `expected`, through append() and, in the same round trip, the NOTIFY.
  appended append(std::string_view stream, std::int64_t expected, std::string_view type, std::string_view payload,
                  const chronicle::event_id& id) {
    static constexpr char schema_version[4] = {0, 0, 0, 1};
    static constexpr chronicle::event_id no_cause{};
    p_.clear().bytes(stream).int4(3).int8(expected);  // 3: an exact version
    p_.one(uuid_oid, bytes_of(id)).one(text_oid, type).one(int4_oid, {schema_version, 4}).one(json_oid, payload);
    p_.one(uuid_oid, bytes_of(id)).one(uuid_oid, bytes_of(no_cause));  // correlation: the event itself
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
