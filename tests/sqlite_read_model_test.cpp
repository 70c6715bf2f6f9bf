// Read models in SQLite tables: rows and checkpoint in one transaction, so a projector killed in the
// middle of a rebuild resumes without applying an event twice or skipping one.
#include <chronicle/sqlite/read_model.hpp>

#include <doctest/doctest.h>

#include "support.hpp"

#include <csignal>
#include <filesystem>
#include <map>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace {

using counter::counter_event;
using chronicle::expected_version;

struct temporary_files {
  std::filesystem::path events, model, fresh;
  temporary_files() {
    const auto base = std::filesystem::temp_directory_path() / ("chronicle-projection-" + std::to_string(::getpid()));
    events = base.string() + "-events.db";
    model = base.string() + "-model.db";
    fresh = base.string() + "-fresh.db";
    remove();
  }
  ~temporary_files() { remove(); }
  void remove() const {
    for (const auto& p : {events, model, fresh})
      for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(p.string() + suffix);
  }
};

// Each stream's sum of Added amounts, in a table.
struct stream_totals {
  using handles = chronicle::events<counter::Added>;
  static constexpr std::string_view name = "stream_totals";
  static void create(chronicle::sqlite_writer& w) {
    w.execute("CREATE TABLE IF NOT EXISTS totals (stream TEXT PRIMARY KEY, total INTEGER NOT NULL)");
  }
  static void clear(chronicle::sqlite_writer& w) { w.execute("DELETE FROM totals"); }
  void when(const counter::Added& e, const chronicle::envelope& meta, chronicle::sqlite_writer& w) {
    if (e.amount < 0) throw std::runtime_error("negative amount");
    w.execute("INSERT INTO totals (stream, total) VALUES (?1, ?2) ON CONFLICT (stream) DO UPDATE SET total = total + excluded.total",
              std::string_view(meta.stream_id), e.amount);
  }
};

std::map<std::string, std::int64_t> totals_of(chronicle::sqlite_read_model<stream_totals>& model, int streams) {
  std::map<std::string, std::int64_t> out;
  model.read([&](chronicle::sqlite_writer& w) {
    for (int s = 0; s < streams; ++s) {
      const auto stream = "s" + std::to_string(s);
      out[stream] = w.query_integer("SELECT total FROM totals WHERE stream = ?1", std::string_view(stream)).value_or(0);
    }
  });
  return out;
}

TEST_CASE("a SQLite read model applies events and its checkpoint together, and stops on a throw") {
  temporary_files files;
  chronicle::sqlite_store<counter_event> store(files.events.string());
  for (int i = 0; i < 25; ++i)
    REQUIRE(store.append("s" + std::to_string(i % 2), expected_version::any(), {test::pending<counter_event>(counter::Added{1})}));
  REQUIRE(store.append("s0", expected_version::any(), {test::pending<counter_event>(counter::Doubled{})}));
  chronicle::sqlite_read_model<stream_totals> model(files.model.string());
  CHECK(model.catch_up(store) == 26);
  CHECK(model.checkpoint() == 26);
  CHECK(totals_of(model, 2) == std::map<std::string, std::int64_t>{{"s0", 13}, {"s1", 12}});

  REQUIRE(store.append("s1", expected_version::any(), {test::pending<counter_event>(counter::Added{5})}));
  REQUIRE(store.append("s1", expected_version::any(), {test::pending<counter_event>(counter::Added{-1})}));
  REQUIRE(store.append("s1", expected_version::any(), {test::pending<counter_event>(counter::Added{7})}));
  model.catch_up(store);
  REQUIRE(model.failure());
  CHECK(model.failure()->position == 28);
  CHECK(model.checkpoint() == 26);  // the failing transaction was rolled back whole
  CHECK(totals_of(model, 2)["s1"] == 12);
  CHECK(model.catch_up(store) == 0);
}

TEST_CASE("a projector killed in the middle of a rebuild resumes to the same table as a fresh rebuild") {
  temporary_files files;
  constexpr int streams = 7, events = 30'000;
  {
    chronicle::sqlite_store<counter_event> store(files.events.string(), {.sync = chronicle::sqlite_options::synchronous::off});
    std::vector<chronicle::pending_event<counter_event>> batch;
    for (int i = 0; i < events; i += 100) {
      batch.assign(100, test::pending<counter_event>(counter::Added{1}));
      REQUIRE(store.append("s" + std::to_string((i / 100) % streams), expected_version::any(), batch));
    }
  }
  chronicle::sqlite_store<counter_event> store(files.events.string());
  for (int kill_after_ms : {30, 80, 150}) {
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      chronicle::sqlite_read_model<stream_totals> model(files.model.string());
      model.rebuild(store, [](std::uint64_t, std::uint64_t) {});
      _exit(0);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(kill_after_ms));
    ::kill(child, SIGKILL);
    ::waitpid(child, nullptr, 0);

    chronicle::sqlite_read_model<stream_totals> resumed(files.model.string());
    MESSAGE("killed with the checkpoint at " << resumed.checkpoint() << " of " << events);
    resumed.catch_up(store);
    CHECK(resumed.checkpoint() == events);
    chronicle::sqlite_read_model<stream_totals> fresh(files.fresh.string());
    fresh.rebuild(store, [](std::uint64_t, std::uint64_t) {});
    CHECK(totals_of(resumed, streams) == totals_of(fresh, streams));
    std::int64_t sum = 0;
    for (const auto& [stream, total] : totals_of(resumed, streams)) sum += total;
    CHECK(sum == events);  // no event applied twice, none skipped
  }
}

}  // namespace
