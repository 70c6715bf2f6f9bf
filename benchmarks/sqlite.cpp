// The SQLite store against raw SQLite C API code doing the same transactions (issue 5):
// W1_sqlite: 10,000 orders x place, confirm, ship, each command a BEGIN IMMEDIATE transaction that
// reads the stream, checks its version and inserts a JSON event (synchronous=NORMAL, WAL), then an
// update of the order_summary read model in memory, as in the in-memory W1.
// W2_sqlite: load a stream of 10,000 events (OrderPlaced, then 9,999 OrderNoteAdded) and fold it.
// Both sides keep events as JSON text and decode every payload they read into its event struct; the
// baseline writes its SQL and JSON by hand (Boost.JSON's DOM), with the same schema and indexes.
#include "common.hpp"

#include <chronicle/sqlite/store.hpp>

#include <benchmark/benchmark.h>

#include <boost/json.hpp>
#include <boost/uuid/string_generator.hpp>

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

namespace bench {
BOOST_DESCRIBE_STRUCT(OrderNoteAdded, (), (text))
}  // namespace bench

namespace {

constexpr std::size_t w1_orders = 10'000;
constexpr int w2_events = 10'000;

std::string scratch(const char* name) {
  const auto path = std::filesystem::temp_directory_path() / (std::string("chronicle-bench-") + name + "-" +
                                                              std::to_string(::getpid()) + ".db");
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path.string() + suffix);
  return path.string();
}

// ---- the hand-written side -----------------------------------------------------------------------
class raw_sqlite {
 public:
  // `busy_ms`: SQLite's own busy handler, as hand-written code sharing a file sets it (0: none).
  explicit raw_sqlite(const std::string& path, int busy_ms = 0) {
    sqlite3_open(path.c_str(), &db_);
    if (busy_ms > 0) sqlite3_busy_timeout(db_, busy_ms);
    exec("PRAGMA journal_mode=WAL");
    exec("PRAGMA synchronous=NORMAL");
    exec("CREATE TABLE IF NOT EXISTS events (position INTEGER PRIMARY KEY, stream_id BLOB NOT NULL, version INTEGER "
         "NOT NULL, event_id BLOB NOT NULL UNIQUE, type TEXT NOT NULL, schema_version INTEGER NOT NULL, payload TEXT "
         "NOT NULL, correlation_id BLOB NOT NULL, causation_id BLOB NOT NULL, recorded_at INTEGER NOT NULL, "
         "UNIQUE (stream_id, version))");
    sqlite3_prepare_v2(db_, "SELECT version, type, payload FROM events WHERE stream_id = ?1 ORDER BY version", -1, &select_, nullptr);
    sqlite3_prepare_v2(db_,
                       "INSERT INTO events (stream_id, version, event_id, type, schema_version, payload, correlation_id, "
                       "causation_id, recorded_at) VALUES (?1, ?2, ?3, ?4, 1, ?5, ?6, ?6, ?7)",
                       -1, &insert_, nullptr);
  }
  ~raw_sqlite() {
    sqlite3_finalize(select_);
    sqlite3_finalize(insert_);
    sqlite3_close(db_);
  }

  // Reads the stream, decoding each payload into its event struct and folding it: the version, the
  // status (1 placed, 2 confirmed, 3 shipped) and the count of notes.
  struct folded {
    std::int64_t version = 0;
    int status = 0;
    std::size_t notes = 0;
  };
  folded load(const std::string& stream) {
    sqlite3_bind_blob(select_, 1, stream.data(), static_cast<int>(stream.size()), SQLITE_STATIC);
    folded out;
    while (sqlite3_step(select_) == SQLITE_ROW) {
      out.version = sqlite3_column_int64(select_, 0);
      const std::string_view type(reinterpret_cast<const char*>(sqlite3_column_text(select_, 1)),
                                  static_cast<std::size_t>(sqlite3_column_bytes(select_, 1)));
      const auto* payload = reinterpret_cast<const char*>(sqlite3_column_text(select_, 2));
      const auto json = boost::json::parse(std::string_view(payload, static_cast<std::size_t>(sqlite3_column_bytes(select_, 2))));
      const auto& object = json.as_object();
      if (type == "OrderNoteAdded") {
        bench::OrderNoteAdded e{std::string(object.at("text").as_string())};
        benchmark::DoNotOptimize(e);
        ++out.notes;
      } else if (type == "OrderPlaced") {
        orders::OrderPlaced e;
        const auto& user = object.at("user_id").as_string();
        e.user_id = boost::uuids::string_generator{}(user.begin(), user.end());
        e.product_id = std::string(object.at("product_id").as_string());
        e.quantity = static_cast<int>(object.at("quantity").as_int64());
        e.unit_price.cents = object.at("unit_price").as_object().at("cents").as_int64();
        benchmark::DoNotOptimize(e);
        out.status = 1;
      } else if (type == "OrderConfirmed") {
        out.status = 2;
      } else if (type == "OrderShipped") {
        orders::OrderShipped e{std::string(object.at("tracking").as_string())};
        benchmark::DoNotOptimize(e);
        out.status = 3;
      }
    }
    sqlite3_reset(select_);
    return out;
  }

  // What a command wrote: the event's version and time, for the read model (version 0: refused).
  struct written {
    std::int64_t version = 0;
    chronicle::clock::time_point at{};
    explicit operator bool() const { return version != 0; }
  };

  written command(const std::string& stream, int expected_status, const char* type, const std::string& payload,
                  const chronicle::event_id& id) {
    if (!exec("BEGIN IMMEDIATE")) return {};  // busy past the timeout: refused
    const auto w = command_within(stream, expected_status, type, payload, id);
    exec(w ? "COMMIT" : "ROLLBACK");
    return w;
  }

  // As `command`, inside the caller's transaction.
  written command_within(const std::string& stream, int expected_status, const char* type, const std::string& payload,
                         const chronicle::event_id& id) {
    const auto [version, status, notes] = load(stream);
    if (status != expected_status) return {};
    const auto now = chronicle::clock::now();
    sqlite3_bind_blob(insert_, 1, stream.data(), static_cast<int>(stream.size()), SQLITE_STATIC);
    sqlite3_bind_int64(insert_, 2, version + 1);
    sqlite3_bind_blob(insert_, 3, id.data, 16, SQLITE_STATIC);
    sqlite3_bind_text(insert_, 4, type, -1, SQLITE_STATIC);
    sqlite3_bind_text(insert_, 5, payload.data(), static_cast<int>(payload.size()), SQLITE_STATIC);
    sqlite3_bind_blob(insert_, 6, id.data, 16, SQLITE_STATIC);
    sqlite3_bind_int64(insert_, 7, std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count());
    const bool ok = sqlite3_step(insert_) == SQLITE_DONE;
    sqlite3_reset(insert_);
    return ok ? written{version + 1, now} : written{};
  }

  // One row, inside the caller's transaction.
  bool insert_row(const std::string& stream, std::int64_t version, const char* type, const std::string& payload,
                  const chronicle::event_id& id) {
    sqlite3_bind_blob(insert_, 1, stream.data(), static_cast<int>(stream.size()), SQLITE_STATIC);
    sqlite3_bind_int64(insert_, 2, version);
    sqlite3_bind_blob(insert_, 3, id.data, 16, SQLITE_STATIC);
    sqlite3_bind_text(insert_, 4, type, -1, SQLITE_STATIC);
    sqlite3_bind_text(insert_, 5, payload.data(), static_cast<int>(payload.size()), SQLITE_STATIC);
    sqlite3_bind_blob(insert_, 6, id.data, 16, SQLITE_STATIC);
    sqlite3_bind_int64(insert_, 7, 0);
    const bool ok = sqlite3_step(insert_) == SQLITE_DONE;
    sqlite3_reset(insert_);
    return ok;
  }

  bool insert_only(const std::string& stream, std::int64_t version, const std::string& payload,
                   const chronicle::event_id& id) {
    exec("BEGIN IMMEDIATE");
    sqlite3_bind_blob(insert_, 1, stream.data(), static_cast<int>(stream.size()), SQLITE_STATIC);
    sqlite3_bind_int64(insert_, 2, version);
    sqlite3_bind_blob(insert_, 3, id.data, 16, SQLITE_STATIC);
    sqlite3_bind_text(insert_, 4, "OrderConfirmed", -1, SQLITE_STATIC);
    sqlite3_bind_text(insert_, 5, payload.data(), static_cast<int>(payload.size()), SQLITE_STATIC);
    sqlite3_bind_blob(insert_, 6, id.data, 16, SQLITE_STATIC);
    sqlite3_bind_int64(insert_, 7, 0);
    const bool ok = sqlite3_step(insert_) == SQLITE_DONE;
    sqlite3_reset(insert_);
    exec(ok ? "COMMIT" : "ROLLBACK");
    return ok;
  }

  bool exec(const char* sql) { return sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) == SQLITE_OK; }

 private:
  sqlite3* db_ = nullptr;
  sqlite3_stmt* select_ = nullptr;
  sqlite3_stmt* insert_ = nullptr;
};

std::string placed_json(const orders::PlaceOrder& c) {
  boost::json::object o;
  o["user_id"] = boost::uuids::to_string(c.user_id);
  o["product_id"] = c.product_id;
  o["quantity"] = c.quantity;
  o["unit_price"] = boost::json::object{{"cents", c.unit_price.cents}};
  return boost::json::serialize(o);
}

// ---- W1 ------------------------------------------------------------------------------------------
// As the in-memory W1: every command is followed by the order_summary read model's update. Chronicle
// runs it inline through a projecting_store; the hand-written code updates its map from the event it
// just wrote.
struct chronicle_sqlite_orders {
  explicit chronicle_sqlite_orders(const std::string& path)
      : events(path, chronicle::sqlite_options{.sync = chronicle::sqlite_options::synchronous::normal}) {}
  chronicle::sqlite_store<orders::order_event> events;
  bench::chronicle_summaries summaries;
  chronicle::projecting_store<decltype(events), decltype(summaries.model)> store{events, summaries.model};
  chronicle::repository<orders::order_aggregate, decltype(store)> repository{store};
};

void w1_chronicle(benchmark::State& state) {
  const auto& input = bench::orders_input(w1_orders);
  std::size_t failed = 0;
  bool consistent = true;
  for (auto _ : state) {
    state.PauseTiming();
    auto world = std::make_unique<chronicle_sqlite_orders>(scratch("w1"));
    state.ResumeTiming();
    for (const auto& o : input) failed += !world->repository.execute(o.stream, o.place);
    for (const auto& o : input) failed += !world->repository.execute(o.stream, o.confirm);
    for (const auto& o : input) failed += !world->repository.execute(o.stream, o.ship);
    state.PauseTiming();
    consistent = consistent && bench::all_shipped_in(world->summaries, w1_orders);
    world.reset();
    state.ResumeTiming();
  }
  const double commands = 3.0 * w1_orders * static_cast<double>(state.iterations());
  state.counters["commands_per_second"] = benchmark::Counter(commands, benchmark::Counter::kIsRate);
  if (failed) state.SkipWithError("a command was refused");
  if (!consistent) state.SkipWithError("the order_summary read model is not what the commands imply");
}

void w1_baseline(benchmark::State& state) {
  const auto& input = bench::orders_input(w1_orders);
  chronicle::id_generator ids;
  std::size_t failed = 0;
  bool consistent = true;
  for (auto _ : state) {
    state.PauseTiming();
    auto db = std::make_unique<raw_sqlite>(scratch("w1-baseline"));
    bench::summary_map rows;
    state.ResumeTiming();
    // Each command, then the summary row its event changes, with the version and time it wrote.
    const auto summarise = [&](const std::string& order, const raw_sqlite::written& w, const auto& event) {
      bench::order_summary& row = bench::row_for(rows, order);
      bench::project(row, event);
      row.version = static_cast<std::uint64_t>(w.version);
      row.updated_at = w.at;
    };
    for (const auto& o : input) {
      const auto w = db->command(o.stream, 0, "OrderPlaced", placed_json(o.place), ids());
      failed += !w;
      if (w) summarise(o.stream, w, orders::OrderPlaced{o.place.user_id, o.place.product_id, o.place.quantity, o.place.unit_price});
    }
    for (const auto& o : input) {
      const auto w = db->command(o.stream, 1, "OrderConfirmed", "{}", ids());
      failed += !w;
      if (w) summarise(o.stream, w, orders::OrderConfirmed{});
    }
    for (const auto& o : input) {
      const auto w = db->command(o.stream, 2, "OrderShipped",
                                 boost::json::serialize(boost::json::object{{"tracking", o.ship.tracking}}), ids());
      failed += !w;
      if (w) summarise(o.stream, w, orders::OrderShipped{o.ship.tracking});
    }
    state.PauseTiming();
    consistent = consistent && bench::all_shipped(rows, w1_orders);
    db.reset();
    state.ResumeTiming();
  }
  const double commands = 3.0 * w1_orders * static_cast<double>(state.iterations());
  state.counters["commands_per_second"] = benchmark::Counter(commands, benchmark::Counter::kIsRate);
  if (failed) state.SkipWithError("a command was refused");
  if (!consistent) state.SkipWithError("the order_summary read model is not what the commands imply");
}

// The floor under W1 on this machine: one BEGIN IMMEDIATE, one prepared INSERT of a fixed payload and
// a COMMIT per command, with nothing read and no JSON. No event store can commit faster per
// transaction, so it shows whether a W1 target is within reach of the disk and kernel at hand.
void w1_commit_floor(benchmark::State& state) {
  const auto& input = bench::orders_input(w1_orders);
  chronicle::id_generator ids;
  std::size_t failed = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto db = std::make_unique<raw_sqlite>(scratch("w1-floor"));
    state.ResumeTiming();
    for (std::int64_t version = 1; version <= 3; ++version)
      for (const auto& o : input) failed += !db->insert_only(o.stream, version, "{}", ids());
    state.PauseTiming();
    db.reset();
    state.ResumeTiming();
  }
  const double commands = 3.0 * w1_orders * static_cast<double>(state.iterations());
  state.counters["commands_per_second"] = benchmark::Counter(commands, benchmark::Counter::kIsRate);
  if (failed) state.SkipWithError("an insert failed");
}

// ---- W2 ------------------------------------------------------------------------------------------
const std::string& w2_file() {
  static const std::string path = [] {
    const auto p = scratch("w2");
    chronicle::sqlite_store<bench::noted_event> store(p, {.sync = chronicle::sqlite_options::synchronous::off});
    std::vector<chronicle::pending_event<bench::noted_event>> batch;
    batch.push_back({orders::OrderPlaced{{}, "widget", 1, {100}}});
    for (int i = 1; i < w2_events; ++i) batch.push_back({bench::OrderNoteAdded{bench::note_text(static_cast<std::size_t>(i))}});
    (void)store.append("long", chronicle::expected_version::no_stream(), batch);
    return p;
  }();
  return path;
}

void w2_chronicle(benchmark::State& state) {
  chronicle::sqlite_store<bench::noted_event> store(w2_file());
  chronicle::repository<bench::noted_aggregate, decltype(store)> repository{store};
  int notes = 0;
  for (auto _ : state) notes = repository.load("long")->state.notes;
  state.counters["seconds_per_load"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  if (notes != w2_events - 1) state.SkipWithError("the fold missed events");
}

void w2_baseline(benchmark::State& state) {
  raw_sqlite db(w2_file());
  std::size_t notes = 0;
  const std::string stream = "long";
  for (auto _ : state) notes = db.load(stream).notes;
  state.counters["seconds_per_load"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  if (notes != w2_events - 1) state.SkipWithError("the fold missed events");
}


// ---- Many connections on one file (issue 13) -----------------------------------------------------
// W1's commands (place, confirm, ship; no read model) on distinct orders, split between `writers`
// connections to one file, each in its own thread or, with `processes`, its own process. Every
// connection waits for the others' transactions in SQLite's busy handler (sleeps of 1, 2, 5, ... ms,
// up to the busy timeout). The figure to read is each side's rate against its one-connection rate:
// the two sides differ in how long they hold the lock, since the hand-written side reads the stream
// inside its BEGIN IMMEDIATE and chronicle before it (checking the version again inside).
constexpr std::size_t connection_orders = 3'000;

// Writer `w` of `writers`'s share of the commands through `repository`: the orders i with
// i % writers == w, placed, then confirmed, then shipped. Returns the refused commands.
template <class Repository>
std::size_t execute_share(Repository& repository, std::size_t w, std::size_t writers) {
  const auto& input = bench::orders_input(connection_orders);
  std::size_t failed = 0;
  for (std::size_t i = w; i < input.size(); i += writers) failed += !repository.execute(input[i].stream, input[i].place);
  for (std::size_t i = w; i < input.size(); i += writers) failed += !repository.execute(input[i].stream, input[i].confirm);
  for (std::size_t i = w; i < input.size(); i += writers) failed += !repository.execute(input[i].stream, input[i].ship);
  return failed;
}

// The hand-written form of command `phase` (0 place, 1 confirm, 2 ship) of order `o`.
struct raw_command {
  int expected_status;
  const char* type;
  std::string payload;
};
raw_command raw_step(const bench::order_commands& o, int phase) {
  if (phase == 0) return {0, "OrderPlaced", placed_json(o.place)};
  if (phase == 1) return {1, "OrderConfirmed", "{}"};
  return {2, "OrderShipped", boost::json::serialize(boost::json::object{{"tracking", o.ship.tracking}})};
}

// As `execute_share`, by hand: `run(stream, raw_command)` runs each command, true if it landed.
template <class Run>
std::size_t raw_share(std::size_t w, std::size_t writers, Run&& run) {
  const auto& input = bench::orders_input(connection_orders);
  std::size_t failed = 0;
  for (int phase = 0; phase < 3; ++phase)
    for (std::size_t i = w; i < input.size(); i += writers) failed += !run(input[i].stream, raw_step(input[i], phase));
  return failed;
}

std::size_t chronicle_writer(const std::string& path, std::size_t w, std::size_t writers) {
  chronicle::sqlite_store<orders::order_event> store(path, {.sync = chronicle::sqlite_options::synchronous::normal});
  chronicle::repository<orders::order_aggregate, decltype(store)> repository{store};
  return execute_share(repository, w, writers);
}

std::size_t raw_writer(const std::string& path, std::size_t w, std::size_t writers) {
  chronicle::id_generator ids;
  raw_sqlite db(path, 5000);
  return raw_share(w, writers, [&](const std::string& stream, const raw_command& c) {
    return static_cast<bool>(db.command(stream, c.expected_status, c.type, c.payload, ids()));
  });
}

// Runs `share(t)` in `threads` threads at once; returns the sum of what they return.
template <class Share>
std::size_t in_threads(std::size_t threads, Share&& share) {
  std::atomic<std::size_t> sum{0};
  {
    std::vector<std::jthread> pool;
    for (std::size_t t = 0; t < threads; ++t) pool.emplace_back([&, t] { sum += share(t); });
  }
  return sum;
}

// A writer's refused commands, or 1 if it threw (a busy file past the timeout, say).
template <std::size_t (*Writer)(const std::string&, std::size_t, std::size_t)>
std::size_t refused_by(const std::string& path, std::size_t w, std::size_t writers) noexcept {
  try {
    return Writer(path, w, writers);
  } catch (...) {
    return 1;
  }
}

template <std::size_t (*Writer)(const std::string&, std::size_t, std::size_t), bool Processes>
void connections(benchmark::State& state) {
  const auto writers = static_cast<std::size_t>(state.range(0));
  (void)bench::orders_input(connection_orders);  // built before any thread or child shares it
  std::size_t failed = 0;
  for (auto _ : state) {
    state.PauseTiming();
    const auto path = scratch(Processes ? "connections-p" : "connections-t");
    { chronicle::sqlite_store<orders::order_event> schema(path); }  // the file and its schema, made once
    state.ResumeTiming();
    if constexpr (Processes) {
      std::vector<pid_t> children;
      for (std::size_t w = 0; w < writers; ++w) {
        const pid_t pid = ::fork();
        if (pid == 0) ::_exit(refused_by<Writer>(path, w, writers) == 0 ? 0 : 1);
        if (pid < 0) {
          ++failed;
          break;
        }
        children.push_back(pid);
      }
      for (const pid_t pid : children) {
        int status = -1;
        pid_t waited;
        while ((waited = ::waitpid(pid, &status, 0)) < 0 && errno == EINTR) {
        }
        failed += !(waited == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
      }
    } else {
      failed += in_threads(writers, [&](std::size_t w) { return refused_by<Writer>(path, w, writers); });
    }
  }
  const double commands = 3.0 * connection_orders * static_cast<double>(state.iterations());
  state.counters["commands_per_second"] = benchmark::Counter(commands, benchmark::Counter::kIsRate);
  if (failed) state.SkipWithError("a command was refused, or a writer failed");
}

// ---- One store shared by threads (issue 13) -----------------------------------------------------
// W1's commands (place, confirm, ship; no read model) on distinct orders from `threads` threads through
// one store: one connection, so group commit decides whether more threads do more work. Chronicle with
// group commit (the default), and without; the hand-written side shares one raw connection behind a
// mutex, a transaction per command, as code without group commit would. The figure to read is each
// side's rate against its own one-thread rate; `commands_per_commit` shows how far groups formed.
template <bool GroupCommit>
void shared_store(benchmark::State& state) {
  const auto threads = static_cast<std::size_t>(state.range(0));
  (void)bench::orders_input(connection_orders);  // built before the threads share it
  std::size_t failed = 0;
  std::uint64_t commits = 0;
  for (auto _ : state) {
    state.PauseTiming();
    const auto path = scratch("shared");
    auto store = std::make_unique<chronicle::sqlite_store<orders::order_event>>(
        path, chronicle::sqlite_options{.sync = chronicle::sqlite_options::synchronous::normal, .group_commit = GroupCommit});
    chronicle::repository<orders::order_aggregate, chronicle::sqlite_store<orders::order_event>> repository{*store};
    state.ResumeTiming();
    const std::size_t refused = in_threads(threads, [&](std::size_t t) { return execute_share(repository, t, threads); });
    state.PauseTiming();
    failed += refused;
    commits += store->append_commits();
    store.reset();
    state.ResumeTiming();
  }
  const double commands = 3.0 * connection_orders * static_cast<double>(state.iterations());
  state.counters["commands_per_second"] = benchmark::Counter(commands, benchmark::Counter::kIsRate);
  state.counters["commands_per_commit"] = commits ? commands / static_cast<double>(commits) : 0.0;
  if (failed) state.SkipWithError("a command was refused");
}

// The ceiling of a group commit of `threads` commands, without threads: one thread runs the commands
// in transactions of `threads` commands each, by hand. No store that commits groups of that size on
// one connection does less work per command (it also hands commands between threads).
void shared_store_batched(benchmark::State& state) {
  const auto group = static_cast<std::size_t>(state.range(0));
  const auto& input = bench::orders_input(connection_orders);
  chronicle::id_generator ids;
  std::size_t failed = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto db = std::make_unique<raw_sqlite>(scratch("shared-batched"));
    state.ResumeTiming();
    for (int phase = 0; phase < 3; ++phase)
      for (std::size_t first = 0; first < input.size(); first += group) {
        db->exec("BEGIN IMMEDIATE");
        for (std::size_t i = first; i < std::min(first + group, input.size()); ++i) {
          const auto c = raw_step(input[i], phase);
          failed += !db->command_within(input[i].stream, c.expected_status, c.type, c.payload, ids());
        }
        db->exec("COMMIT");
      }
    state.PauseTiming();
    db.reset();
    state.ResumeTiming();
  }
  const double commands = 3.0 * connection_orders * static_cast<double>(state.iterations());
  state.counters["commands_per_second"] = benchmark::Counter(commands, benchmark::Counter::kIsRate);
  if (failed) state.SkipWithError("a command was refused");
}

void shared_store_baseline(benchmark::State& state) {
  const auto threads = static_cast<std::size_t>(state.range(0));
  (void)bench::orders_input(connection_orders);  // built before the threads share it
  std::size_t failed = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto db = std::make_unique<raw_sqlite>(scratch("shared-baseline"));
    std::mutex connection;
    state.ResumeTiming();
    const std::size_t refused = in_threads(threads, [&](std::size_t t) {
      chronicle::id_generator ids;
      return raw_share(t, threads, [&](const std::string& stream, const raw_command& c) {
        std::lock_guard lock(connection);
        return static_cast<bool>(db->command(stream, c.expected_status, c.type, c.payload, ids()));
      });
    });
    state.PauseTiming();
    failed += refused;
    db.reset();
    state.ResumeTiming();
  }
  const double commands = 3.0 * connection_orders * static_cast<double>(state.iterations());
  state.counters["commands_per_second"] = benchmark::Counter(commands, benchmark::Counter::kIsRate);
  if (failed) state.SkipWithError("a command was refused");
}

// Group commit by hand, the least a threaded store can do: each thread reads its stream on a
// connection of its own and decides; the one writer connection is shared behind a mutex, and whoever
// finds no leader commits everything queued in one transaction while the others wait on a condition
// variable. Each row keeps its own outcome (its INSERT's), so this does the work chronicle's group
// commit does, with nothing of chronicle around it: it shows what threads can gain on this host at all.
class raw_group_writer {
 public:
  explicit raw_group_writer(const std::string& path) : db_(path) {}

  // Blocks until the transaction carrying the row has committed (or failed); true if the row landed.
  bool append(const std::string& stream, std::int64_t version, const char* type, const std::string& payload,
              const chronicle::event_id& id) {
    row r{&stream, version, type, &payload, &id};
    std::unique_lock lock(mutex_);
    queued_.push_back(&r);
    while (!r.done) {
      if (leading_) {
        finished_.wait(lock);
        continue;
      }
      leading_ = true;
      std::vector<row*> group;
      group.swap(queued_);
      lock.unlock();
      const bool began = db_.exec("BEGIN IMMEDIATE");
      for (row* g : group) g->landed = began && db_.insert_row(*g->stream, g->version, g->type, *g->payload, *g->id);
      const bool committed = began && db_.exec("COMMIT");
      ++commits_;
      lock.lock();
      for (row* g : group) g->done = true, g->landed = g->landed && committed;
      leading_ = false;
      finished_.notify_all();
    }
    return r.landed;
  }

  std::uint64_t commits() const { return commits_; }

 private:
  struct row {
    const std::string* stream;
    std::int64_t version;
    const char* type;
    const std::string* payload;
    const chronicle::event_id* id;
    bool landed = false;
    bool done = false;
  };
  raw_sqlite db_;
  std::mutex mutex_;
  std::condition_variable finished_;
  std::vector<row*> queued_;
  bool leading_ = false;
  std::uint64_t commits_ = 0;  // written by the leader only
};

void shared_store_baseline_grouped(benchmark::State& state) {
  const auto threads = static_cast<std::size_t>(state.range(0));
  (void)bench::orders_input(connection_orders);  // built before the threads share it
  std::size_t failed = 0;
  std::uint64_t commits = 0;
  for (auto _ : state) {
    state.PauseTiming();
    const auto path = scratch("shared-baseline-grouped");
    auto writer = std::make_unique<raw_group_writer>(path);
    state.ResumeTiming();
    const std::size_t refused = in_threads(threads, [&](std::size_t t) {
      raw_sqlite reader(path);
      chronicle::id_generator ids;
      return raw_share(t, threads, [&](const std::string& stream, const raw_command& c) {
        const auto [version, status, notes] = reader.load(stream);
        return status == c.expected_status && writer->append(stream, version + 1, c.type, c.payload, ids());
      });
    });
    state.PauseTiming();
    failed += refused;
    commits += writer->commits();
    writer.reset();
    state.ResumeTiming();
  }
  const double commands = 3.0 * connection_orders * static_cast<double>(state.iterations());
  state.counters["commands_per_second"] = benchmark::Counter(commands, benchmark::Counter::kIsRate);
  state.counters["commands_per_commit"] = commits ? commands / static_cast<double>(commits) : 0.0;
  if (failed) state.SkipWithError("a command was refused");
}

// ---- A growing file (issue 13) -------------------------------------------------------------------
// 300,000 OrderNoteAdded events appended to one stream in batches of 1,000, on a fresh file: the
// rate over the first and the last tenth, and the ratio between them. The baseline inserts the same
// rows by hand with chronicle's time-ordered ids; `random_ids` with random (version 4) ids, as
// chronicle made them before, which shows what a unique index on random ids costs as a file grows;
// `sequential_ids` with a counter in the ids' first bytes.
constexpr int growth_batches = 300;
constexpr int growth_batch = 1'000;

template <class AppendBatch>
void report_growth(benchmark::State& state, AppendBatch&& append_batch) {
  double first = 0, last = 0;
  for (auto _ : state) {
    auto tenth_start = std::chrono::steady_clock::now();
    for (int b = 0; b < growth_batches; ++b) {
      append_batch(b);
      if ((b + 1) % (growth_batches / 10) == 0) {
        const auto now = std::chrono::steady_clock::now();
        const double rate = growth_batches / 10.0 * growth_batch / std::chrono::duration<double>(now - tenth_start).count();
        if (b + 1 == growth_batches / 10) first = rate;
        if (b + 1 == growth_batches) last = rate;
        tenth_start = now;
      }
    }
  }
  state.counters["first_tenth_per_second"] = first;
  state.counters["last_tenth_per_second"] = last;
  state.counters["first_over_last"] = first / last;
}

void growth_chronicle(benchmark::State& state) {
  chronicle::sqlite_store<bench::noted_event> store(scratch("growth"), {.sync = chronicle::sqlite_options::synchronous::normal});
  std::vector<chronicle::pending_event<bench::noted_event>> batch;
  for (int i = 0; i < growth_batch; ++i) batch.push_back({bench::OrderNoteAdded{bench::note_text(static_cast<std::size_t>(i))}});
  bool failed = false;
  report_growth(state, [&](int) { failed |= !store.append("long", chronicle::expected_version::any(), batch); });
  if (failed) state.SkipWithError("an append failed");
}

enum class growth_ids { chronicle, random, sequential };

template <growth_ids Ids>
void growth_baseline(benchmark::State& state) {
  raw_sqlite db(scratch("growth-baseline"));
  chronicle::id_generator ids;
  boost::uuids::random_generator_mt19937 random_ids;
  const std::string payload = boost::json::serialize(boost::json::object{{"text", bench::note_text(0)}});
  std::int64_t version = 0;
  bool failed = false;
  report_growth(state, [&](int) {
    db.exec("BEGIN IMMEDIATE");
    for (int i = 0; i < growth_batch; ++i) {
      chronicle::event_id id = Ids == growth_ids::random ? random_ids() : ids();
      if constexpr (Ids == growth_ids::sequential)
        for (int byte = 0; byte < 8; ++byte) id.data[byte] = static_cast<std::uint8_t>(static_cast<std::uint64_t>(version + 1) >> (56 - 8 * byte));
      failed |= !db.insert_row("long", ++version, "OrderNoteAdded", payload, id);
    }
    db.exec("COMMIT");
  });
  if (failed) state.SkipWithError("an insert failed");
}

[[maybe_unused]] const bool registered = [] {
  benchmark::RegisterBenchmark("W1_sqlite/chronicle", w1_chronicle)->Unit(benchmark::kMillisecond)->Iterations(3);
  benchmark::RegisterBenchmark("W1_sqlite/baseline", w1_baseline)->Unit(benchmark::kMillisecond)->Iterations(3);
  benchmark::RegisterBenchmark("W1_sqlite_commit_floor/baseline", w1_commit_floor)->Unit(benchmark::kMillisecond)->Iterations(3);
  // The same floor in wall-clock time, as the threaded cases below are measured: it includes what the
  // process waits for (the checkpoints' fsyncs).
  benchmark::RegisterBenchmark("W1_sqlite_commit_floor/baseline_wall_clock", w1_commit_floor)->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();
  for (const int writers : {1, 2, 8}) {
    benchmark::RegisterBenchmark("W1_sqlite_connections/chronicle", connections<chronicle_writer, false>)
        ->Arg(writers)->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();
    benchmark::RegisterBenchmark("W1_sqlite_connections/baseline", connections<raw_writer, false>)
        ->Arg(writers)->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();
  }
  for (const int threads : {1, 2, 4, 8}) {
    benchmark::RegisterBenchmark("W1_sqlite_shared_store/chronicle", shared_store<true>)
        ->Arg(threads)->ArgName("threads")->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();
    benchmark::RegisterBenchmark("W1_sqlite_shared_store/chronicle_no_group_commit", shared_store<false>)
        ->Arg(threads)->ArgName("threads")->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();
    benchmark::RegisterBenchmark("W1_sqlite_shared_store/baseline", shared_store_baseline)
        ->Arg(threads)->ArgName("threads")->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();
    benchmark::RegisterBenchmark("W1_sqlite_shared_store/baseline_group_commit", shared_store_baseline_grouped)
        ->Arg(threads)->ArgName("threads")->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();
    benchmark::RegisterBenchmark("W1_sqlite_shared_store/baseline_one_thread_in_groups", shared_store_batched)
        ->Arg(threads)->ArgName("group")->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();
  }
  for (const int writers : {1, 2}) {
    benchmark::RegisterBenchmark("W1_sqlite_processes/chronicle", connections<chronicle_writer, true>)
        ->Arg(writers)->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();
    benchmark::RegisterBenchmark("W1_sqlite_processes/baseline", connections<raw_writer, true>)
        ->Arg(writers)->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();
  }
  benchmark::RegisterBenchmark("SQLite_growing_stream/chronicle", growth_chronicle)->Unit(benchmark::kSecond)->Iterations(1);
  benchmark::RegisterBenchmark("SQLite_growing_stream/baseline", growth_baseline<growth_ids::chronicle>)->Unit(benchmark::kSecond)->Iterations(1);
  benchmark::RegisterBenchmark("SQLite_growing_stream/random_ids", growth_baseline<growth_ids::random>)->Unit(benchmark::kSecond)->Iterations(1);
  benchmark::RegisterBenchmark("SQLite_growing_stream/sequential_ids", growth_baseline<growth_ids::sequential>)->Unit(benchmark::kSecond)->Iterations(1);
  benchmark::RegisterBenchmark("W2_sqlite/chronicle", w2_chronicle)->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("W2_sqlite/baseline", w2_baseline)->Unit(benchmark::kMillisecond);
  return true;
}();

}  // namespace
