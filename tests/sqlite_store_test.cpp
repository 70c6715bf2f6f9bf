// The SQLite store: the store contract, plus what only a file has (reopening, schema versions).
#include <chronicle/json/lines.hpp>
#include <chronicle/sqlite/read_model.hpp>
#include <chronicle/sqlite/store.hpp>

#include "schema_evolution/orders_v2.hpp"
#include "sqlite_support.hpp"
#include "store_conformance.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

namespace {

using test::temporary_file;

// The SQLite family: events, snapshots and checkpoints in one file.
struct sqlite_fixture {
  temporary_file file;
  chronicle::sqlite_store<counter::counter_event> store{file.path.string()};
  chronicle::sqlite_stored_snapshots stored{file.path.string()};
  chronicle::json_snapshot_store<counter::state, chronicle::sqlite_stored_snapshots> snapshots{stored};
  chronicle::sqlite_checkpoint_store checkpoints{file.path.string()};
};

// Folds read through read_events, not the fallback over read_stream.
static_assert(requires(const chronicle::sqlite_store<counter::counter_event>& s) {
  s.read_events("s", 1, [](std::uint64_t, const counter::counter_event&) {});
});

}  // namespace

namespace conformance {
TEST_CASE_TEMPLATE_INVOKE(store_contract, sqlite_fixture);
}  // namespace conformance

namespace {

using counter::counter_event;
using chronicle::expected_version;

TEST_CASE("a reopened file has every acknowledged append, and goes on from there") {
  temporary_file file;
  {
    chronicle::sqlite_store<counter_event> store(file.path.string());
    REQUIRE(store.append("s", expected_version::no_stream(), {test::pending<counter_event>(counter::Added{1})}));
    REQUIRE(store.append("t", expected_version::no_stream(), {test::pending<counter_event>(counter::Added{2})}));
  }
  chronicle::sqlite_store<counter_event> store(file.path.string(), {.sync = chronicle::sqlite_options::synchronous::normal,
                                                                    .busy_timeout = std::chrono::milliseconds(100)});
  CHECK(store.head_position() == 2);
  CHECK(store.stream_version("s") == 1);
  auto next = store.append("s", expected_version::exact(1), {test::pending<counter_event>(counter::Doubled{})});
  REQUIRE(next);
  CHECK(next->position == 3);
}

TEST_CASE("a file of a newer schema is refused with a clear error") {
  temporary_file file;
  { chronicle::sqlite_store<counter_event> store(file.path.string()); }
  {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(file.path.string().c_str(), &db) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db, "PRAGMA user_version = 7", nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);
  }
  CHECK_THROWS_WITH_AS(chronicle::sqlite_store<counter_event>(file.path.string()),
                       "chronicle: the file has schema version 7, newer than this code's 2", chronicle::sqlite_error);
}

TEST_CASE("a file of schema version 1 is upgraded in place; its events stay") {
  temporary_file file;
  {  // version 1 as it was written: only the events table
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(file.path.string().c_str(), &db) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db,
                         "CREATE TABLE events (position INTEGER PRIMARY KEY, stream_id BLOB NOT NULL, version INTEGER "
                         "NOT NULL, event_id BLOB NOT NULL UNIQUE, type TEXT NOT NULL, schema_version INTEGER NOT NULL, "
                         "payload TEXT NOT NULL, correlation_id BLOB NOT NULL, causation_id BLOB NOT NULL, recorded_at "
                         "INTEGER NOT NULL, UNIQUE (stream_id, version));"
                         "INSERT INTO events VALUES (1, x'73', 1, x'00112233445566778899aabbccddeeff', 'Added', 1, "
                         "'{\"amount\":5}', zeroblob(16), zeroblob(16), 0);"
                         "PRAGMA user_version = 1;",
                         nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);
  }
  chronicle::sqlite_checkpoint_store checkpoints(file.path.string());  // the first to open it upgrades it
  checkpoints.save("reader", 1);
  chronicle::sqlite_store<counter_event> store(file.path.string());
  chronicle::repository<counter::aggregate, decltype(store)> counters{store};
  CHECK(counters.load("s")->state.value == 5);
  CHECK(checkpoints.load("reader") == 1);
}

TEST_CASE("checkpoints and snapshots outlive the process that saved them") {
  temporary_file file;
  {
    chronicle::sqlite_checkpoint_store checkpoints(file.path.string());
    checkpoints.save("fulfilment", 42);
    chronicle::sqlite_stored_snapshots stored(file.path.string());
    stored.save("s", {3, 1, "{\"value\":9}"});
  }
  chronicle::sqlite_checkpoint_store checkpoints(file.path.string());
  CHECK(checkpoints.load("fulfilment") == 42);
  chronicle::sqlite_stored_snapshots stored(file.path.string());
  REQUIRE(stored.load("s"));
  CHECK(stored.load("s")->version == 3);
}

TEST_CASE("a JSON Lines dump restores into a SQLite file exactly, and the file goes on from there") {
  chronicle::memory_store<counter_event> source;
  const std::string odd = std::string("quote' nul") + '\0' + " \xc3\xa9";
  REQUIRE(source.append("a", expected_version::any(),
                        {chronicle::pending_event<counter_event>{counter::Added{1}, test::new_id(), test::new_id(), test::new_id()},
                         test::pending<counter_event>(counter::Noted{"line\nbreak \"quoted\""})}));
  REQUIRE(source.append(odd, expected_version::any(), {test::pending<counter_event>(counter::Doubled{})}));
  REQUIRE(source.append("a", expected_version::any(), {test::pending<counter_event>(counter::Added{-7})}));
  std::ostringstream dump;
  chronicle::export_json_lines(source, dump);

  temporary_file file;
  {
    chronicle::sqlite_store<counter_event> target(file.path.string());
    std::istringstream in(dump.str());
    const auto imported = chronicle::import_json_lines(in, target);
    REQUIRE(imported);
    CHECK(*imported == 4);
  }
  chronicle::sqlite_store<counter_event> reopened(file.path.string());
  std::ostringstream again;
  chronicle::export_json_lines(reopened, again);
  CHECK(again.str() == dump.str());  // ids, times, correlation and causation included
  auto next = reopened.append("a", expected_version::exact(3), {test::pending<counter_event>(counter::Added{1})});
  REQUIRE(next);
  CHECK(next->position == 5);

  std::istringstream into_full(dump.str());  // a store with events is refused
  const auto refused = chronicle::import_json_lines(into_full, reopened);
  REQUIRE(refused.has_error());
  CHECK(refused.error().message == "the target store is not empty");
  CHECK_THROWS_WITH_AS(reopened.restore(std::vector<chronicle::recorded_event<counter_event>>{}), "chronicle: restore needs an empty store", std::invalid_argument);
}

TEST_CASE("a restore that breaks the rules writes nothing") {
  temporary_file file;
  chronicle::sqlite_store<counter_event> store(file.path.string());
  chronicle::recorded_event<counter_event> first{};
  first.stream_id = "a";
  first.version = 1;
  first.position = 1;
  first.id = test::new_id();
  first.event = counter::Added{1};
  auto second = first;
  second.version = 2;
  second.position = 2;  // but the same event id
  CHECK_THROWS_WITH_AS(store.restore({first, second}),
                       "chronicle: restore: the record at position 2 repeats an event id",
                       std::invalid_argument);
  auto again = first;
  again.position = 3;
  again.id = test::new_id();  // version 1 again
  CHECK_THROWS_WITH_AS(store.restore({first, again}),
                       "chronicle: restore: the record at position 3 has version 1 where its stream needs 2",
                       std::invalid_argument);
  CHECK(store.head_position() == 0);
  // Gaps in the positions are kept (a PostgreSQL store's history has them); appends go on after them.
  auto later = again;
  later.version = 2;
  store.restore({first, later});
  CHECK(store.head_position() == 3);
  auto next = store.append("a", expected_version::exact(2), {test::pending<counter_event>(counter::Added{1})});
  REQUIRE(next);
  CHECK(next->position == 4);
}

TEST_CASE("a constraint other than the event id's (a trigger or index another application added) is an sqlite_error, not a duplicate") {
  temporary_file file("trigger");
  chronicle::sqlite_store<counter_event> store(file.path.string());
  {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(file.path.string().c_str(), &db) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db, "CREATE TRIGGER no_notes BEFORE INSERT ON events WHEN NEW.type = 'Noted' "
                             "BEGIN SELECT RAISE(ABORT, 'no notes here'); END",
                         nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);
  }
  try {
    (void)store.append("s", expected_version::any(), {test::pending<counter_event>(counter::Added{1}),
                                                      test::pending<counter_event>(counter::Noted{"n"})});
    FAIL("the append was not refused");
  } catch (const chronicle::sqlite_error& e) {
    CHECK(e.code() == SQLITE_CONSTRAINT_TRIGGER);
    CHECK(std::string_view(e.what()).find("no notes here") != std::string_view::npos);
  }
  CHECK(store.stream_version("s") == 0);  // nothing of the batch
  const auto id = test::new_id();
  REQUIRE(store.append("s", expected_version::any(), {test::pending<counter_event>(counter::Added{1}, id)}));
  const auto again = store.append("t", expected_version::any(), {test::pending<counter_event>(counter::Added{1}, id)});
  REQUIRE_FALSE(again);  // the event id's own index still answers as a duplicate
  CHECK(std::holds_alternative<chronicle::duplicate_event>(again.error()));
  // Another application's unique index fails with the same code as the event id's: still not a duplicate.
  {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(file.path.string().c_str(), &db) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db, "CREATE UNIQUE INDEX one_per_type ON events (stream_id, type)", nullptr, nullptr, nullptr) ==
            SQLITE_OK);
    sqlite3_close(db);
  }
  try {
    (void)store.append("s", expected_version::any(), {test::pending<counter_event>(counter::Added{2})});
    FAIL("the append was not refused");
  } catch (const chronicle::sqlite_error& e) {
    CHECK(e.code() == SQLITE_CONSTRAINT_UNIQUE);
  }
  CHECK(store.stream_version("s") == 1);
}

TEST_CASE("two stores on one file: appends from both, one global order, conflicts detected") {
  temporary_file file;
  chronicle::sqlite_store<counter_event> first(file.path.string()), second(file.path.string());
  REQUIRE(first.append("s", expected_version::no_stream(), {test::pending<counter_event>(counter::Added{1})}));
  auto stale = second.append("s", expected_version::no_stream(), {test::pending<counter_event>(counter::Added{2})});
  REQUIRE(stale.has_error());
  CHECK(std::get<chronicle::concurrency_conflict>(stale.error()).actual == 1);
  REQUIRE(second.append("s", expected_version::exact(1), {test::pending<counter_event>(counter::Added{2})}));
  CHECK(first.stream_version("s") == 2);
  CHECK(first.head_position() == 2);
}

}  // namespace

namespace {

// One process that snapshots into its SQLite file (the README shows how the parts are built).
void add_seven(const std::string& path) {
  using snapshotting = chronicle::aggregate<counter::state, counter_event, chronicle::ignore<counter::Noted>,
                                            chronicle::snapshot_every<5>>;
  chronicle::sqlite_store<counter_event> events{path};
  chronicle::sqlite_stored_snapshots table{path};
  chronicle::json_snapshot_store<counter::state, chronicle::sqlite_stored_snapshots> snapshots{table};
  chronicle::repository<snapshotting, decltype(events), decltype(snapshots)> counters{events, snapshots};
  for (int i = 0; i < 7; ++i) REQUIRE(counters.execute("c", counter::Add{1}));
}

TEST_CASE("snapshots in the SQLite file outlive the process and follow the state's schema") {
  temporary_file file;
  const std::string path = file.path.string();
  add_seven(path);
  chronicle::sqlite_stored_snapshots reopened(path);
  const auto stored = reopened.load("c");
  REQUIRE(stored);
  CHECK(stored->version == 5);
  CHECK(stored->payload == R"({"value":5})");
  reopened.save("c", {3, 1, R"({"value":3})"});  // older: kept out
  CHECK(reopened.load("c")->version == 5);
  reopened.erase("c");
  CHECK_FALSE(reopened.load("c"));
}

// A projection for the files a read model opens.
struct nothing_projected {
  using handles = chronicle::events<counter::Added>;
  static constexpr std::string_view name = "nothing";
  static void create(chronicle::sqlite_writer&) {}
  static void clear(chronicle::sqlite_writer&) {}
  void when(const counter::Added&, chronicle::sqlite_writer&) {}
};

// Opens `path` with the `which`-th of chronicle's four SQLite classes, as a program would.
void open_with(int which, const std::string& path) {
  const chronicle::sqlite_options options{.sync = chronicle::sqlite_options::synchronous::normal,
                                          .busy_timeout = std::chrono::seconds(30)};
  switch (which % 4) {
    case 0: chronicle::sqlite_store<counter_event>{path, options}; break;
    case 1: chronicle::sqlite_checkpoint_store{path, options}; break;
    case 2: chronicle::sqlite_stored_snapshots{path, options}; break;
    default: chronicle::sqlite_read_model<nothing_projected>{path, {}, options}; break;
  }
}

std::string bytes_of(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST_CASE("threads opening a new file at the same moment all wait for each other; none fails") {
  constexpr int rounds = 25, openers = 8;
  int failures = 0;
  for (int round = 0; round < rounds; ++round) {
    temporary_file file("open");
    std::atomic<int> ready{0};
    std::atomic<int> failed{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < openers; ++t)
      threads.emplace_back([&, t] {
        ++ready;
        while (ready.load() < openers) std::this_thread::yield();  // all at once
        try {
          open_with(t, file.path.string());
        } catch (const std::exception& e) {
          ++failed;
          MESSAGE("opening failed: " << std::string(e.what()));
        }
      });
    for (auto& t : threads) t.join();
    failures += failed;
  }
  CHECK(failures == 0);
}

TEST_CASE("processes opening a new file at the same moment all wait for each other; none fails") {
  constexpr int rounds = 10, openers = 8;
  int failures = 0;
  for (int round = 0; round < rounds; ++round) {
    temporary_file file("open-processes");
    int go[2];
    REQUIRE(::pipe(go) == 0);
    std::vector<pid_t> children;
    for (int c = 0; c < openers; ++c) {
      const pid_t pid = ::fork();
      REQUIRE(pid >= 0);
      if (pid == 0) {
        ::close(go[1]);
        char byte;
        (void)::read(go[0], &byte, 1);  // returns when the parent closes its end: all start together
        try {
          open_with(c, file.path.string());
          ::_exit(0);
        } catch (...) {
          ::_exit(1);
        }
      }
      children.push_back(pid);
    }
    ::close(go[0]);
    ::close(go[1]);
    for (const pid_t pid : children) {
      int status = 0;
      REQUIRE(::waitpid(pid, &status, 0) == pid);
      if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) ++failures;
    }
  }
  CHECK(failures == 0);
}

TEST_CASE("another application's file is refused before anything is written to it") {
  temporary_file file("foreign");
  {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(file.path.string().c_str(), &db) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db, "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO customers VALUES (1, 'Ada')",
                         nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);
  }
  const std::string before = bytes_of(file.path);
  for (int which = 0; which < 4; ++which) {
    CAPTURE(which);
    CHECK_THROWS_AS(open_with(which, file.path.string()), chronicle::sqlite_foreign_file);
  }
  CHECK_THROWS_WITH(chronicle::sqlite_store<counter_event>(file.path.string()),
                    doctest::Contains("not empty and not chronicle's"));
  CHECK(bytes_of(file.path) == before);
  CHECK_FALSE(std::filesystem::exists(file.path.string() + "-wal"));

  temporary_file marked("marked");  // empty, but marked by another application
  {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(marked.path.string().c_str(), &db) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db, "PRAGMA application_id = 42; PRAGMA user_version = 3", nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);
  }
  CHECK_THROWS_AS(chronicle::sqlite_store<counter_event>(marked.path.string()), chronicle::sqlite_foreign_file);

  temporary_file empty("empty");  // an empty file is a new one
  { std::ofstream touch(empty.path); }
  chronicle::sqlite_store<counter_event> store(empty.path.string());
  REQUIRE(store.append("s", expected_version::any(), {test::pending<counter_event>(counter::Added{1})}));
  // A read model's own file is chronicle's too: a store may open it later, and it may reopen.
  temporary_file model_file("model-first");
  { chronicle::sqlite_read_model<nothing_projected> model(model_file.path.string()); }
  CHECK_NOTHROW(chronicle::sqlite_store<counter_event>(model_file.path.string()));
  CHECK_NOTHROW(chronicle::sqlite_read_model<nothing_projected>(model_file.path.string()));
}

TEST_CASE("importing a dump of old schema versions keeps them: export gives the dump back byte for byte") {
  const std::string legacy = bytes_of(std::filesystem::path(CHRONICLE_EXAMPLES_DIR) / "schema_evolution/legacy_dump.jsonl");
  REQUIRE(legacy.find("\"schema_version\":1") != std::string::npos);
  temporary_file file("legacy");
  {
    chronicle::sqlite_store<evolution::order_event> store(file.path.string());
    std::istringstream in(legacy);
    REQUIRE(chronicle::import_json_lines(in, store).value() == 4);
  }
  chronicle::sqlite_store<evolution::order_event> reopened(file.path.string());
  std::ostringstream out;
  chronicle::export_json_lines(reopened, out);
  CHECK(out.str() == legacy);
  // Stored as recorded, read as current: the upcaster runs on every read.
  std::vector<std::uint32_t> stored;
  reopened.read_all_encoded(1, [&](const chronicle::encoded_record& r) { stored.push_back(r.schema_version); });
  CHECK(stored == std::vector<std::uint32_t>{1, 1, 1, 2});
  chronicle::repository<chronicle::aggregate<evolution::order, evolution::order_event>, decltype(reopened)> orders{reopened};
  CHECK(orders.load("order-1")->state.product == evolution::product_ref{"garden", "rake-7"});
  // The memory store holds current C++ types: its export carries the upcast events.
  chronicle::memory_store<evolution::order_event> memory;
  std::istringstream again(legacy);
  REQUIRE(chronicle::import_json_lines(again, memory));
  std::ostringstream from_memory;
  chronicle::export_json_lines(memory, from_memory);
  CHECK(from_memory.str() != legacy);
  CHECK(from_memory.str().find(R"("type":"OrderPlaced","schema_version":1)") == std::string::npos);
}

}  // namespace

TEST_CASE("a writer waits for a busy file, gets it once freed, and fails with sqlite_error past its timeout") {
  temporary_file file;
  { chronicle::sqlite_store<counter_event> created(file.path.string()); }
  sqlite3* holder = nullptr;
  REQUIRE(sqlite3_open(file.path.string().c_str(), &holder) == SQLITE_OK);
  const std::unique_ptr<sqlite3, int (*)(sqlite3*)> close_holder(holder, sqlite3_close);
  REQUIRE(sqlite3_exec(holder, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK);
  {
    const auto timeout = std::chrono::milliseconds(50);
    chronicle::sqlite_store<counter_event> store(file.path.string(), {.busy_timeout = timeout});
    const auto start = std::chrono::steady_clock::now();
    try {
      (void)store.append("s", expected_version::any(), {test::pending<counter_event>(counter::Added{1})});
      FAIL("an append to a file locked past the timeout must throw");
    } catch (const chronicle::sqlite_error& e) {
      CHECK((e.code() & 0xff) == SQLITE_BUSY);
    }
    CHECK(std::chrono::steady_clock::now() - start >= timeout);  // it waited, then gave up
  }
  // Once the lock is freed, a waiting writer gets it. (If the commit comes first, the append simply
  // finds the file free: either way it must succeed.)
  chronicle::sqlite_store<counter_event> store(file.path.string(), {.busy_timeout = std::chrono::seconds(30)});
  std::atomic<bool> waiting{false};
  std::atomic<int> committed{-1};
  std::jthread release([&] {
    while (!waiting) std::this_thread::yield();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // only to let the append meet the lock
    committed = sqlite3_exec(holder, "COMMIT", nullptr, nullptr, nullptr);
  });
  waiting = true;
  const auto appended = store.append("s", expected_version::any(), {test::pending<counter_event>(counter::Added{1})});
  release.join();
  CHECK(committed == SQLITE_OK);
  CHECK(appended);
}
