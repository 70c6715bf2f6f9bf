// One sqlite_store shared by several threads of a process: its mutex serialises the connection, and
// reads call back without it, so a callback may append. Runs under ThreadSanitizer (label concurrency).
#include <chronicle/projecting_store.hpp>
#include <chronicle/read_model.hpp>
#include <chronicle/repository.hpp>
#include <chronicle/sqlite/store.hpp>
#include <chronicle/subscription.hpp>

#include <doctest/doctest.h>
#include <sqlite3.h>

#include "group_commit_workload.hpp"
#include "sqlite_support.hpp"
#include "support.hpp"

#include <atomic>
#include <chrono>
#include <latch>
#include <string>
#include <thread>
#include <vector>

namespace {

using counter::counter_event;
using chronicle::expected_version;
using store_t = chronicle::sqlite_store<counter_event>;

constexpr int threads = 4, commands = 30;

const chronicle::sqlite_options fast{.sync = chronicle::sqlite_options::synchronous::normal,
                                     .busy_timeout = std::chrono::seconds(30)};

struct added_total {
  using handles = chronicle::events<counter::Added>;
  long total = 0;
  int events = 0;
  void when(const counter::Added& e) {
    total += e.amount;
    ++events;
  }
};

// Positions 1..head, each once, in order: what any read of the global order must see.
constexpr auto contiguous = [](const store_t& store) { return test::contiguous_positions(store); };

TEST_CASE("threads sharing one store and repository: every command lands once, readers see whole prefixes") {
  test::temporary_file file{"threads"};
  store_t store(file.path.string(), fast);
  chronicle::repository<counter::aggregate, store_t> counters{store};
  std::atomic<bool> writing{true};
  std::atomic<int> broken_reads{0}, reads{0};

  // The writers start once the reader runs, and the reader reads at least once: a slow, loaded
  // machine that runs the writers to the end before it schedules the reader fails nothing.
  std::latch reader_running{1};
  std::jthread reader([&] {
    reader_running.count_down();
    do {
      if (!contiguous(store)) ++broken_reads;
      ++reads;
    } while (writing.load());
  });
  reader_running.wait();
  std::atomic<int> refused{0};
  {
    std::vector<std::jthread> pool;
    for (int t = 0; t < threads; ++t)
      pool.emplace_back([&, t] {
        const std::string own = "own-" + std::to_string(t);
        for (int i = 0; i < commands; ++i) {
          if (!counters.execute("hot", counter::Add{1}, {.max_retries = 10'000})) ++refused;
          if (!counters.execute(own, counter::Add{2})) ++refused;
        }
      });
  }
  writing = false;
  reader.join();

  CHECK(refused == 0);
  CHECK(broken_reads == 0);
  CHECK(reads > 0);
  CHECK(counters.load("hot")->state.value == threads * commands);
  for (int t = 0; t < threads; ++t) CHECK(store.stream_version("own-" + std::to_string(t)) == commands);
  CHECK(store.head_position() == 2 * threads * commands);
  CHECK(contiguous(store));
}

TEST_CASE("group commit: threads appending through one store share commits, each append keeps its own outcome") {
  test::temporary_file file{"group"};
  store_t store(file.path.string(), fast);
  const store_t observer(file.path.string(), fast);
  test::group_workload work;
  work.run(store, observer);
  CHECK(work.accepted == test::group_workload::writers * test::group_workload::rounds);
  // Eight threads appending 480 events in all: some of them met in a group. (Without group commit,
  // or with it off below, every accepted append has a commit of its own.)
  CHECK(store.append_commits() > 0);
  CHECK(store.append_commits() < static_cast<std::uint64_t>(work.accepted));
}

// Appends to one stream that meet in a group: each is checked against the versions the group's
// earlier appends wrote, so of those expecting the same version exactly one lands, and a conflict
// rolls back that append alone.
TEST_CASE("group commit: threads racing for one stream's versions, exactly one append lands at each") {
  test::temporary_file file{"group-race"};
  store_t store(file.path.string(), fast);
  const int landed = test::race_for_one_stream(store, 8, 40);
  CHECK(store.head_position() == static_cast<std::uint64_t>(landed));
  CHECK(contiguous(store));
}

// Fault injection: a trigger, added through a connection of its own, makes the database fail (an
// integer overflow, SQLITE_ERROR) every insert of a "Noted" event. Eight threads alternate appends
// that must land with appends that hit the failure, so failures meet others in groups: the one that
// hit it gets the sqlite_error, nothing of it is written, and the rest of its group commits (run
// again in a new transaction).
TEST_CASE("group commit: an append the database fails mid-group fails alone; the rest of its group commits") {
  test::temporary_file file{"group-fault"};
  store_t store(file.path.string(), fast);
  {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(file.path.string().c_str(), &db) == SQLITE_OK);
    CHECK(sqlite3_exec(db,
                       "CREATE TRIGGER fail_noted BEFORE INSERT ON events WHEN NEW.type = 'Noted' "
                       "BEGIN SELECT abs(-9223372036854775807 - 1); END",
                       nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);
  }
  constexpr int rounds = 40;
  test::refused_mid_group<chronicle::sqlite_error>(store, rounds, [](const auto& e) { return e.code() == SQLITE_ERROR; });
  CHECK(store.head_position() == 8 * rounds);
  CHECK(contiguous(store));
}

TEST_CASE("group commit off: each accepted append commits alone, with the same outcomes") {
  test::temporary_file file{"group-off"};
  auto options = fast;
  options.group_commit = false;
  store_t store(file.path.string(), options);
  const store_t observer(file.path.string(), fast);
  test::group_workload work;
  work.run(store, observer);
  CHECK(store.append_commits() == static_cast<std::uint64_t>(work.accepted));
}

TEST_CASE("a read callback may append to the store it reads") {
  test::temporary_file file{"threads"};
  store_t store(file.path.string(), fast);
  for (int i = 0; i < 600; ++i)  // more than one read chunk
    REQUIRE(store.append("source", expected_version::any(), {test::pending<counter_event>(counter::Added{1})}));
  std::size_t copied = 0;
  store.read_stream("source", 1, [&](const auto& r) {
    copied += static_cast<bool>(store.append("copy", expected_version::any(), {test::pending<counter_event>(r.event)}));
  });
  CHECK(copied == 600);
  CHECK(store.stream_version("copy") == 600);
}

TEST_CASE("inline and catch-up read models over a shared store see every event once") {
  test::temporary_file file{"threads"};
  store_t events(file.path.string(), fast);
  chronicle::read_model<added_total> inline_model, caught_up;
  chronicle::projecting_store<store_t, decltype(inline_model)> store{events, inline_model};
  chronicle::subscription<store_t, decltype(caught_up)> subscription{events, caught_up};
  subscription.start();
  {
    std::vector<std::jthread> pool;
    for (int t = 0; t < threads; ++t)
      pool.emplace_back([&, t] {
        for (int i = 0; i < commands; ++i)
          CHECK(store.append("s-" + std::to_string(t), expected_version::any(),
                             {test::pending<counter_event>(counter::Added{1})}));
      });
  }
  const auto head = events.head_position();
  CHECK(head == threads * commands);
  CHECK(inline_model.checkpoint() == head);
  CHECK(inline_model.read([](const added_total& m) { return m.events; }) == threads * commands);
  REQUIRE(caught_up.wait_for(head, std::chrono::seconds(30)));
  subscription.stop();
  CHECK(caught_up.read([](const added_total& m) { return m.total; }) == threads * commands);
}

}  // namespace

#include <chronicle/sqlite/read_model.hpp>

namespace {

// Each stream's number of Added events, in a table of the store's own file.
struct added_rows {
  using handles = chronicle::events<counter::Added>;
  static constexpr std::string_view name = "added_rows";
  static void create(chronicle::sqlite_writer& w) {
    w.execute("CREATE TABLE IF NOT EXISTS added_rows (stream TEXT PRIMARY KEY, events INTEGER NOT NULL)");
  }
  static void clear(chronicle::sqlite_writer& w) { w.execute("DELETE FROM added_rows"); }
  void when(const counter::Added&, const chronicle::envelope& meta, chronicle::sqlite_writer& w) {
    w.execute("INSERT INTO added_rows (stream, events) VALUES (?1, 1) ON CONFLICT (stream) DO UPDATE SET events = events + 1",
              std::string_view(meta.stream_id));
  }
};

TEST_CASE("a read model in the store's own file: appends and catch-up both go on, neither waits for the other") {
  test::temporary_file file("same-file");
  const chronicle::sqlite_options options{.sync = chronicle::sqlite_options::synchronous::normal,
                                          .busy_timeout = std::chrono::seconds(10)};
  store_t store(file.path.string(), options);
  chronicle::sqlite_read_model<added_rows> model(file.path.string(), {}, options);
  // A backlog of several read chunks: a catch-up that held the write lock across chunks would want the
  // store's lock again while an append holds it and waits for the write lock.
  for (int batch = 0; batch < 30; ++batch) {
    std::vector<chronicle::pending_event<counter_event>> added(100, test::pending<counter_event>(counter::Added{1}));
    REQUIRE(store.append("backlog", expected_version::any(), added));
  }
  std::atomic<bool> writing{true};
  std::string projector_error;
  std::thread projector([&] {
    try {
      while (writing.load()) {
        model.catch_up(store);
        std::this_thread::yield();
      }
    } catch (const std::exception& e) {
      projector_error = e.what();
    }
  });
  constexpr int appends = 200;
  int appended = 0;
  std::string append_error;
  try {
    for (int i = 0; i < appends; ++i)
      if (store.append("s" + std::to_string(i % 4), expected_version::any(), {test::pending<counter_event>(counter::Added{1})}))
        ++appended;
  } catch (const std::exception& e) {
    append_error = e.what();
  }
  writing = false;
  projector.join();
  CHECK(append_error == "");
  CHECK(projector_error == "");
  CHECK(appended == appends);
  model.catch_up(store);
  CHECK(model.checkpoint() == store.head_position());
  const auto rows = model.read([](chronicle::sqlite_writer& w) {
    return w.query_integer("SELECT sum(events) FROM added_rows").value_or(0);
  });
  CHECK(rows == appended + 3000);
}

}  // namespace
