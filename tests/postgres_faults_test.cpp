// The PostgreSQL store when the server fails it: down at start, lost during work, crashed during
// appends, lost during COMMIT. Faults are typed errors; nothing acknowledged is lost; no batch is ever
// partly recorded. These tests stop and crash their server, so they run against a private cluster of
// their own (CTest's postgres_faults fixture), never against CHRONICLE_TEST_POSTGRES.
#include <chronicle/postgres/store.hpp>
#include <chronicle/read_model.hpp>
#include <chronicle/subscription.hpp>

#include "postgres_support.hpp"
#include "support.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace {

using counter::Added;
using counter::counter_event;
using chronicle::expected_version;
using store_type = chronicle::postgres_store<counter_event>;
using namespace std::chrono_literals;

// The cluster's own control: crash (`pg_ctl stop -m immediate`), start again.
void cluster(const char* command) {
  const char* tool = std::getenv("CHRONICLE_POSTGRES_CLUSTER");
  const char* dir = std::getenv("CHRONICLE_TEST_POSTGRES_DIR");
  REQUIRE(tool != nullptr);
  REQUIRE(dir != nullptr);
  const std::string line = std::string("'") + tool + "' " + command + " '" + dir + "'";
  REQUIRE(std::system(line.c_str()) == 0);
}
void crash() { cluster("crash"); }
void restart() { cluster("restart"); }

std::vector<chronicle::pending_event<counter_event>> batch_of(std::size_t n, int amount) {
  std::vector<chronicle::pending_event<counter_event>> batch;
  for (std::size_t i = 0; i < n; ++i) batch.push_back(test::pending<counter_event>(Added{amount}, test::new_id()));
  return batch;
}

std::set<chronicle::event_id> recorded_ids(const store_type& store) {
  std::set<chronicle::event_id> ids;
  store.read_all(1, [&](const auto& r) { ids.insert(r.id); });
  return ids;
}

chronicle::postgres_options options(const test::postgres_schema& schema) {
  return {.schema = schema.name, .pool_size = 4, .connect_timeout = 5s, .reconnect_timeout = 500ms};
}

TEST_CASE("the server down at start, or lost during work: typed errors, no hang; back again, the store goes on") {
  test::postgres_schema schema("down");
  store_type store(test::postgres_conninfo(), options(schema));
  REQUIRE(store.append("s", expected_version::no_stream(), batch_of(1, 1)));

  crash();
  const auto before = std::chrono::steady_clock::now();
  try {
    store_type late(test::postgres_conninfo(), options(schema));
    FAIL("connected to a stopped server");
  } catch (const chronicle::postgres_connection_error& e) {
    CHECK(std::string(e.what()).find("cannot connect") != std::string::npos);
  }
  // An append on a connection that died with the server: lost before or after it was sent.
  bool threw = false;
  try {
    (void)store.append("s", expected_version::exact(1), batch_of(1, 2));
  } catch (const chronicle::postgres_connection_error&) {  // postgres_outcome_unknown is one too
    threw = true;
  }
  CHECK(threw);
  // A read tries to reconnect for reconnect_timeout (500 ms here), then says why it could not.
  CHECK_THROWS_AS((void)store.stream_version("s"), chronicle::postgres_connection_error);
  CHECK(std::chrono::steady_clock::now() - before < 30s);

  restart();
  CHECK(store.stream_version("s") >= 1);  // the pool opens fresh connections
  REQUIRE(store.append("t", expected_version::no_stream(), batch_of(1, 3)));
}

TEST_CASE("after a restart, an idle pooled connection is found closed before it is used: the next append succeeds") {
  test::postgres_schema schema("reopened");
  store_type store(test::postgres_conninfo(), options(schema));
  {  // some of the pool's connections opened, and idle again
    std::vector<std::thread> writers;
    for (int t = 0; t < 4; ++t)
      writers.emplace_back([&, t] {
        for (int i = 0; i < 10; ++i) (void)store.append("w" + std::to_string(t), expected_version::any(), batch_of(1, i));
      });
    for (auto& w : writers) w.join();
  }
  crash();
  restart();
  // The server said goodbye on each idle connection, then closed it: no append may fail, nor be
  // 'outcome unknown' (which would throw here), for a connection that was dead before it was lent.
  for (int i = 0; i < 8; ++i) CHECK(store.append("after", expected_version::any(), batch_of(1, i)));
  CHECK(store.stream_version("after") == 8);
}

TEST_CASE("a connection lost during COMMIT is 'outcome unknown', and sending the same batch again records it once") {
  test::postgres_schema schema("commit");
  store_type store(test::postgres_conninfo(), options(schema));
  // Commits wait for a standby that does not exist: the append is durable here and then stuck in its
  // COMMIT until its backend is terminated, exactly a connection lost during COMMIT.
  test::postgres_exec("ALTER SYSTEM SET synchronous_standby_names = 'chronicle_absent_standby'");
  test::postgres_exec("SELECT pg_reload_conf()");
  const auto batch = batch_of(3, 7);
  std::atomic<bool> unknown{false};
  std::thread writer([&] {
    try {
      (void)store.append("order-1", expected_version::no_stream(), batch);
    } catch (const chronicle::postgres_outcome_unknown&) {
      unknown = true;
    }
  });
  // Wait (on the condition, however long the machine takes) until the append waits in its commit.
  for (;;) {
    bool waiting = false;
    try {
      test::postgres_exec("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_stat_activity WHERE wait_event = 'SyncRep') "
                          "THEN RAISE 'not yet'; END IF; END $$");
      waiting = true;
    } catch (const std::exception&) {
    }
    if (waiting) break;
    std::this_thread::sleep_for(10ms);
  }
  test::postgres_exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE wait_event = 'SyncRep'");
  writer.join();
  CHECK(unknown);
  test::postgres_exec("ALTER SYSTEM RESET synchronous_standby_names");
  test::postgres_exec("SELECT pg_reload_conf()");
  // The server applies a reload in its own time: wait until new connections commit alone again.
  for (;;) {
    try {
      test::postgres_exec("DO $$ BEGIN IF current_setting('synchronous_standby_names') <> '' THEN RAISE 'not yet'; "
                          "END IF; END $$");
      break;
    } catch (const std::exception&) {
      std::this_thread::sleep_for(10ms);
    }
  }

  // It was recorded; the resend is answered as the first send would have been, and writes nothing.
  const auto again = store.append("order-1", expected_version::no_stream(), batch);
  REQUIRE(again);
  CHECK(again->version == 3);
  CHECK(again->count == 3);
  CHECK(store.stream_version("order-1") == 3);
  CHECK(recorded_ids(store).size() == 3);
}

// Three writers share the store, so crashes also hit groups of appends under way in one transaction.
TEST_CASE("20 crashes at random moments during appends: every acknowledged batch is there, none is partial") {
  test::postgres_schema schema("crash");
  store_type store(test::postgres_conninfo(), options(schema));
  std::mutex m;
  std::vector<std::vector<chronicle::event_id>> acknowledged, attempted;
  std::atomic<bool> writing{true};
  std::atomic<int> acks{0};
  std::vector<std::string> unexpected;  // errors other than a lost connection
  const auto write = [&](unsigned seed) {
    std::mt19937 random(seed);
    for (int i = 0; writing; ++i) {
      const auto batch = batch_of(std::uniform_int_distribution<std::size_t>(1, 4)(random), i);
      std::vector<chronicle::event_id> ids;
      for (const auto& e : batch) ids.push_back(e.id);
      {
        std::lock_guard lock(m);
        attempted.push_back(ids);
      }
      try {
        if (store.append("stream-" + std::to_string(i % 5), expected_version::any(), batch)) {
          std::lock_guard lock(m);
          acknowledged.push_back(ids);
          ++acks;
        }
      } catch (const chronicle::postgres_connection_error&) {
        std::this_thread::sleep_for(5ms);  // the server is away; outcome unknown or nothing sent
      } catch (const std::exception& e) {  // anything else fails the test, not the process
        std::lock_guard lock(m);
        unexpected.emplace_back(e.what());
      }
    }
  };
  std::vector<std::thread> writers;
  struct stop_writers {
    std::atomic<bool>& writing;
    std::vector<std::thread>& writers;
    ~stop_writers() {
      writing = false;
      for (auto& w : writers)
        if (w.joinable()) w.join();
    }
  } stop{writing, writers};
  for (unsigned seed : {42u, 43u, 44u}) writers.emplace_back(write, seed);
  std::mt19937 random(7);
  for (int round = 0; round < 20; ++round) {
    const int before = acks;
    const auto deadline = std::chrono::steady_clock::now() + 120s;
    while (acks < before + 5) {  // some appends acknowledged first
      REQUIRE_MESSAGE(std::chrono::steady_clock::now() < deadline, "appends stopped being acknowledged");
      std::this_thread::sleep_for(1ms);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(0, 40)(random)));
    crash();
    restart();
    std::lock_guard lock(m);
    const auto ids = recorded_ids(store);
    for (const auto& batch : acknowledged)
      for (const auto& id : batch) REQUIRE_MESSAGE(ids.count(id) == 1, "an acknowledged event is missing");
    for (const auto& batch : attempted) {
      std::size_t present = 0;
      for (const auto& id : batch) present += ids.count(id);
      REQUIRE_MESSAGE((present == 0 || present == batch.size()), "a batch is partly recorded");
    }
  }
  writing = false;
  for (auto& w : writers) w.join();
  CHECK_MESSAGE(unexpected.empty(), (unexpected.empty() ? "" : unexpected.front()));
  MESSAGE("acknowledged batches: " << acknowledged.size() << " of " << attempted.size() << " attempted, in "
                                   << store.append_commits() << " commits");
}

struct added_log {
  using handles = chronicle::events<Added>;
  std::vector<int> amounts;
  void when(const Added& e) { amounts.push_back(e.amount); }
};

TEST_CASE("a subscription outlives a server restart: it reconnects and catches up, nothing missed or repeated") {
  test::postgres_schema schema("restart");
  store_type store(test::postgres_conninfo(),
                   {.schema = schema.name, .pool_size = 4, .connect_timeout = 5s, .reconnect_timeout = 60s});
  chronicle::read_model<added_log> model;
  chronicle::subscription<store_type, chronicle::read_model<added_log>> feed(store, model);
  feed.start();
  constexpr int total = 200;
  for (int i = 0; i < total; ++i) {
    if (i == total / 2) {
      const bool live = model.wait_for(store.head_position(), 60s);  // the subscription is live mid-stream
      if (auto failed = model.failure()) FAIL("the subscription failed: " << failed->message);
      REQUIRE(live);
      crash();
      restart();
    }
    const auto batch = batch_of(1, i);
    for (;;) {  // resend the same batch until it is acknowledged: its id makes that safe
      try {
        if (store.append("s", expected_version::any(), batch)) break;
      } catch (const chronicle::postgres_connection_error&) {
        std::this_thread::sleep_for(10ms);
      }
    }
  }
  const bool caught_up = model.wait_for(store.head_position(), 60s);
  if (auto failed = model.failure()) FAIL("the subscription failed: " << failed->message);
  REQUIRE(caught_up);
  const auto amounts = model.read([](const added_log& m) { return m.amounts; });
  std::vector<int> expected(total);
  for (int i = 0; i < total; ++i) expected[static_cast<std::size_t>(i)] = i;
  CHECK(amounts == expected);
}

TEST_CASE("stopping a subscription while the server is away does not wait out the reconnect timeout") {
  test::postgres_schema schema("stopping");
  store_type store(test::postgres_conninfo(),
                   {.schema = schema.name, .pool_size = 2, .connect_timeout = 5s, .reconnect_timeout = 300s});
  REQUIRE(store.append("s", expected_version::any(), batch_of(1, 1)));
  chronicle::read_model<added_log> model;
  chronicle::subscription<store_type, chronicle::read_model<added_log>> feed(store, model);
  feed.start();
  REQUIRE(model.wait_for(1, 60s));
  crash();
  // Give the thread a moment to reach its reconnect loop (its reads retry for 300 s here). The test
  // holds however the threads run: it can only miss the defect, never fail without it.
  std::this_thread::sleep_for(300ms);
  const auto before = std::chrono::steady_clock::now();
  feed.stop();
  CHECK(std::chrono::steady_clock::now() - before < 60s);
  CHECK_FALSE(model.failure());  // a stop is not a failure: the model goes on when started again
  restart();
  const auto batch = batch_of(1, 2);
  for (;;) {  // the pool's connections died with the server: resend until acknowledged
    try {
      if (store.append("s", expected_version::any(), batch)) break;
    } catch (const chronicle::postgres_connection_error&) {
      std::this_thread::sleep_for(10ms);
    }
  }
  feed.start();
  CHECK(model.wait_for(2, 60s));
  CHECK(model.read([](const added_log& m) { return m.amounts; }) == std::vector<int>{1, 2});
}

}  // namespace
