// The SQLite store: the store contract, plus what only a file has (reopening, schema versions).
#include <chronicle/json_lines.hpp>
#include <chronicle/sqlite_store.hpp>

#include "sqlite_support.hpp"
#include "store_conformance.hpp"

#include <filesystem>
#include <sstream>
#include <stdexcept>

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
  CHECK(counters.load("s").state.value == 5);
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
  CHECK_THROWS_WITH_AS(reopened.restore({}), "chronicle: restore needs an empty store", std::invalid_argument);
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
                       "chronicle: restore needs records in global order without gaps or repeats (at position 2)",
                       std::invalid_argument);
  auto gap = first;
  gap.position = 3;
  gap.id = test::new_id();
  CHECK_THROWS_AS(store.restore({first, gap}), std::invalid_argument);
  CHECK(store.head_position() == 0);
  store.restore({first});
  CHECK(store.stream_version("a") == 1);
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

TEST_CASE("snapshots in the SQLite file outlive the process and follow the state's schema") {
  temporary_file file;
  {
    chronicle::sqlite_store<counter_event> store(file.path.string());
    chronicle::sqlite_stored_snapshots table(file.path.string());
    chronicle::json_snapshot_store<counter::state, chronicle::sqlite_stored_snapshots> snapshots{table};
    using snapshotting = chronicle::aggregate<counter::state, counter_event, chronicle::ignore<counter::Noted>,
                                              chronicle::snapshot_every<5>>;
    chronicle::repository<snapshotting, decltype(store), decltype(snapshots)> counters{store, snapshots};
    for (int i = 0; i < 7; ++i) REQUIRE(counters.execute("c", counter::Add{1}));
  }
  chronicle::sqlite_stored_snapshots table(file.path.string());
  const auto stored = table.load("c");
  REQUIRE(stored);
  CHECK(stored->version == 5);
  CHECK(stored->payload == R"({"value":5})");
  table.save("c", {3, 1, R"({"value":3})"});  // older: kept out
  CHECK(table.load("c")->version == 5);
  table.erase("c");
  CHECK_FALSE(table.load("c"));
}

}  // namespace
