// Push across processes: a catch-up subscription in another process learns of each append through
// LISTEN/NOTIFY and applies it at once. Reports the time from a command's return to the other
// process's model having applied it (p50, p99); checks only that every event arrives, in order.
#include <chronicle/postgres/store.hpp>
#include <chronicle/read_model.hpp>
#include <chronicle/subscription.hpp>

#include "postgres_support.hpp"
#include "support.hpp"

#include <doctest/doctest.h>
#include <libpq-fe.h>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <thread>
#include <chrono>
#include <cstdio>
#include <vector>

namespace {

using counter::Added;
using counter::counter_event;
using chronicle::expected_version;
using store_type = chronicle::postgres_store<counter_event>;
using namespace std::chrono_literals;

constexpr int commands = 300;

// The other process's read model: reports each applied amount down a pipe.
int report_to = -1;  // the pipe, in the child
struct reporter {
  using handles = chronicle::events<Added>;
  int applied = 0;
  void when(const Added& e) {
    const int amount = e.amount;
    if (::write(report_to, &amount, sizeof amount) != sizeof amount) std::_Exit(3);
    ++applied;
  }
};

[[noreturn]] void subscribe_in_child(const std::string& schema, int ready, int out) {
  try {
    report_to = out;
    store_type store(test::postgres_conninfo(), {.schema = schema});
    chronicle::read_model<reporter> model;
    chronicle::subscription<store_type, chronicle::read_model<reporter>> feed(store, model);
    feed.start();
    const char go = 1;
    if (::write(ready, &go, 1) != 1) std::_Exit(2);
    while (!model.failure() && model.read([](const reporter& r) { return r.applied; }) < commands)
      std::this_thread::sleep_for(20ms);
    feed.stop();
    std::_Exit(model.failure() ? 1 : 0);
  } catch (...) {
    std::_Exit(4);
  }
}

TEST_CASE("a subscription in another process applies each command's event within about a round trip") {
  test::postgres_schema schema("push");
  { store_type create(test::postgres_conninfo(), {.schema = schema.name}); }
  int ready[2], applied[2];
  REQUIRE(::pipe(ready) == 0);
  REQUIRE(::pipe(applied) == 0);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ::close(ready[0]);
    ::close(applied[0]);
    subscribe_in_child(schema.name, ready[1], applied[1]);
  }
  ::close(ready[1]);
  ::close(applied[1]);
  char go = 0;
  REQUIRE(::read(ready[0], &go, 1) == 1);

  store_type store(test::postgres_conninfo(), {.schema = schema.name});
  std::vector<double> latency_us;
  for (int i = 0; i < commands; ++i) {
    REQUIRE(store.append("s", expected_version::any(), {test::pending<counter_event>(Added{i})}));
    const auto returned = std::chrono::steady_clock::now();
    int amount = -1;
    REQUIRE(::read(applied[0], &amount, sizeof amount) == sizeof amount);
    CHECK(amount == i);  // in order, none missed
    latency_us.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - returned).count());
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  std::sort(latency_us.begin(), latency_us.end());
  MESSAGE("command return to applied in another process: p50 " << latency_us[latency_us.size() / 2] << " us, p99 "
                                                               << latency_us[latency_us.size() * 99 / 100] << " us");
}

// A raw connection that LISTENs on the schema's channel the way no chronicle listener does: without
// the listener key. It hears every NOTIFY sent, so it shows whether the store sent one.
class eavesdropper {
 public:
  explicit eavesdropper(const std::string& schema) : c_(PQconnectdb(test::postgres_conninfo().c_str())) {
    REQUIRE(PQstatus(c_) == CONNECTION_OK);
    run("LISTEN \"chronicle." + schema + "\"");
  }
  eavesdropper(const eavesdropper&) = delete;
  eavesdropper& operator=(const eavesdropper&) = delete;
  ~eavesdropper() { PQfinish(c_); }
  // A statement's round trip makes the server pass on every notification committed before it.
  void run(const std::string& sql) {
    std::string message;
    REQUIRE_MESSAGE(test::exec_on(c_, sql, message), message);
  }
  int heard() {
    PQconsumeInput(c_);
    int n = 0;
    while (PGnotify* note = PQnotifies(c_)) {
      PQfreemem(note);
      ++n;
    }
    return n;
  }

 private:
  PGconn* c_;
};

// Whether the store's notifier has run its statement (it idles afterwards).
bool notifier_ran(const std::string& schema) {
  PGconn* c = PQconnectdb(test::postgres_conninfo().c_str());
  const std::string sql = "SELECT count(*) FROM pg_stat_activity WHERE state = 'idle' AND query LIKE "
                          "'%pg_try_advisory_xact_lock(hashtextextended(''chronicle listeners " + schema + "'', 0))%'";
  PGresult* r = PQexec(c, sql.c_str());
  const bool ran = PQresultStatus(r) == PGRES_TUPLES_OK && std::string(PQgetvalue(r, 0, 0)) != "0";
  PQclear(r);
  PQfinish(c);
  return ran;
}

TEST_CASE("appends send no NOTIFY while nobody listens, and one as soon as a subscription does") {
  test::postgres_schema schema("quiet");
  store_type store(test::postgres_conninfo(), {.schema = schema.name});
  eavesdropper ear(schema.name);

  REQUIRE(store.append("s", expected_version::any(), {test::pending<counter_event>(Added{1})}));
  while (!notifier_ran(schema.name)) std::this_thread::sleep_for(1ms);
  ear.run("SELECT 1");
  CHECK(ear.heard() == 0);  // no chronicle listener: nothing sent, no commit took the notify lock

  // A subscription's wait takes the listener key; from then on appends notify.
  store_type other(test::postgres_conninfo(), {.schema = schema.name});
  CHECK_FALSE(other.wait_for_position(1000, 1ms));
  REQUIRE(store.append("s", expected_version::any(), {test::pending<counter_event>(Added{2})}));
  int heard = 0;
  for (const auto give_up = std::chrono::steady_clock::now() + 60s; heard == 0 && std::chrono::steady_clock::now() < give_up;) {
    std::this_thread::sleep_for(1ms);
    ear.run("SELECT 1");
    heard += ear.heard();
  }
  CHECK(heard >= 1);
}

}  // namespace
