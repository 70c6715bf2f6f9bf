// The PostgreSQL store: the store contract, plus what only a shared database has (schemas of their
// own, tenants side by side, many threads on one store object).
#include <chronicle/postgres/checkpoint_store.hpp>
#include <chronicle/postgres/snapshots.hpp>
#include <chronicle/postgres/store.hpp>

#include "orders/order.hpp"
#include "postgres_support.hpp"
#include "store_conformance.hpp"

#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <unistd.h>
#include <utility>
#include <vector>

namespace {

using counter::Added;
using counter::counter_event;
using chronicle::expected_version;
using test::pending;

chronicle::postgres_options in(const test::postgres_schema& schema) { return {.schema = schema.name}; }

// The PostgreSQL family: events, snapshots and checkpoints in one schema of their own.
struct postgres_fixture {
  test::postgres_schema schema;
  chronicle::postgres_store<counter_event> store{test::postgres_conninfo(), in(schema)};
  chronicle::postgres_stored_snapshots stored{test::postgres_conninfo(), in(schema)};
  chronicle::json_snapshot_store<counter::state, chronicle::postgres_stored_snapshots> snapshots{stored};
  chronicle::postgres_checkpoint_store checkpoints{test::postgres_conninfo(), in(schema)};
};

static_assert(chronicle::event_store<chronicle::postgres_store<counter_event>>);
static_assert(chronicle::checkpoint_store<chronicle::postgres_checkpoint_store>);
static_assert(requires(const chronicle::postgres_store<counter_event>& s) {
  s.read_events("s", 1, [](std::uint64_t, const counter_event&) {});
});

// The README's construction of the PostgreSQL classes (compiled, not run: it names a server).
[[maybe_unused]] void readme_construction() {
  using orders::order;
  using orders::order_event;
  chronicle::postgres_options options{.schema = "orders", .pool_size = 8};
  chronicle::postgres_store<order_event> events{"host=/run/postgresql dbname=app", options};
  chronicle::postgres_stored_snapshots table{"host=/run/postgresql dbname=app", options};
  chronicle::json_snapshot_store<order, chronicle::postgres_stored_snapshots> snapshots{table};
  chronicle::postgres_checkpoint_store checkpoints{"host=/run/postgresql dbname=app", options};
}

}  // namespace

namespace conformance {
TEST_CASE_TEMPLATE_INVOKE(store_contract, postgres_fixture);
}  // namespace conformance

namespace {

TEST_CASE("tenants: stores in two schemas of one database do not see each other") {
  test::postgres_schema a("tenant_a"), b("tenant_b");
  chronicle::postgres_store<counter_event> first(test::postgres_conninfo(), in(a));
  chronicle::postgres_store<counter_event> second(test::postgres_conninfo(), in(b));
  REQUIRE(first.append("s", expected_version::no_stream(), {pending<counter_event>(Added{1})}));
  REQUIRE(second.append("s", expected_version::no_stream(), {pending<counter_event>(Added{2})}));
  REQUIRE(second.append("s", expected_version::exact(1), {pending<counter_event>(Added{3})}));
  CHECK(first.stream_version("s") == 1);
  CHECK(second.stream_version("s") == 2);
  CHECK(first.head_position() == 1);
  CHECK(second.head_position() == 2);
  // A second object on a schema that exists opens it as it is.
  chronicle::postgres_store<counter_event> again(test::postgres_conninfo(), in(a));
  CHECK(again.stream_version("s") == 1);
}

TEST_CASE("a schema that is not chronicle's is refused before anything is written") {
  test::postgres_schema foreign("foreign");
  test::postgres_exec("CREATE SCHEMA \"" + foreign.name + "\"; CREATE TABLE \"" + foreign.name +
                      "\".accounts (id int PRIMARY KEY); INSERT INTO \"" + foreign.name + "\".accounts VALUES (7)");
  CHECK_THROWS_AS(chronicle::postgres_store<counter_event>(test::postgres_conninfo(), in(foreign)),
                  chronicle::postgres_foreign_schema);
  CHECK_THROWS_AS(chronicle::postgres_checkpoint_store(test::postgres_conninfo(), in(foreign)),
                  chronicle::postgres_foreign_schema);
  // Nothing was added to it.
  test::postgres_exec("DO $$ BEGIN IF (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                      "WHERE n.nspname = '" + foreign.name + "') <> 2 THEN RAISE 'schema changed'; END IF; END $$");
  // An empty schema is taken.
  test::postgres_schema empty("empty");
  test::postgres_exec("CREATE SCHEMA \"" + empty.name + "\"");
  chronicle::postgres_store<counter_event> store(test::postgres_conninfo(), in(empty));
  CHECK(store.append("s", expected_version::no_stream(), {pending<counter_event>(Added{1})}));
}

TEST_CASE("a newer chronicle schema is refused; a bad schema name is an error, not SQL") {
  test::postgres_schema newer("newer");
  { chronicle::postgres_store<counter_event> store(test::postgres_conninfo(), in(newer)); }
  test::postgres_exec("UPDATE \"" + newer.name + "\".chronicle_schema SET version = 99");
  try {
    chronicle::postgres_store<counter_event> store(test::postgres_conninfo(), in(newer));
    FAIL("a newer schema opened");
  } catch (const chronicle::postgres_foreign_schema&) {
    FAIL("a newer schema is not foreign");
  } catch (const chronicle::postgres_error& e) {
    CHECK(std::string(e.what()).find("newer") != std::string::npos);
  }
  CHECK_THROWS_AS(chronicle::postgres_store<counter_event>(test::postgres_conninfo(), {.schema = "x\"; DROP TABLE y; --"}),
                  std::invalid_argument);
  CHECK_THROWS_AS(chronicle::postgres_store<counter_event>(test::postgres_conninfo(), {.schema = ""}), std::invalid_argument);
}

TEST_CASE("an unreachable server is a connection error with libpq's message") {
  try {
    chronicle::postgres_store<counter_event> store("host=/nonexistent-directory port=1 connect_timeout=2", {});
    FAIL("connected");
  } catch (const chronicle::postgres_connection_error& e) {
    CHECK(std::string(e.what()).find("/nonexistent-directory") != std::string::npos);
  }
}

}  // namespace

namespace {

// pg_dump and psql of the server's own version, beside pg_config's answer.
std::string postgres_bin(const std::string& program) {
  std::string dir;
  if (FILE* p = ::popen("pg_config --bindir", "r")) {
    char line[512];
    if (std::fgets(line, sizeof line, p)) dir = line;
    ::pclose(p);
  }
  while (!dir.empty() && (dir.back() == '\n' || dir.back() == ' ')) dir.pop_back();
  return dir.empty() ? program : dir + "/" + program;
}

// A subscriber of the simplest kind: reads from its saved checkpoint, keeps what it saw, saves.
struct resuming_reader {
  chronicle::postgres_checkpoint_store& checkpoints;
  std::vector<std::pair<std::string, std::uint64_t>> seen;
  std::size_t catch_up(const chronicle::postgres_store<counter_event>& store, std::size_t limit) {
    std::size_t n = 0;
    std::uint64_t last = checkpoints.load("reader");
    store.read_all(last + 1, [&](const auto& r) {
      seen.emplace_back(r.stream_id, r.version);
      last = r.position;
      return ++n < limit;
    });
    checkpoints.save("reader", last);
    return n;
  }
};

TEST_CASE("pg_dump and restore into a new database: subscribers resume from their checkpoints, nothing skipped or repeated") {
  const std::string source_db = "chronicle_dump_" + std::to_string(::getpid());
  const std::string target_db = "chronicle_restore_" + std::to_string(::getpid());
  for (const auto& db : {source_db, target_db}) {
    test::postgres_exec("DROP DATABASE IF EXISTS " + db);
    test::postgres_exec("CREATE DATABASE " + db);
  }
  const std::string source = test::postgres_conninfo() + " dbname=" + source_db;
  const std::string target = test::postgres_conninfo() + " dbname=" + target_db;
  const chronicle::postgres_options options{.schema = "orders"};

  std::vector<std::pair<std::string, std::uint64_t>> before_dump;
  {
    chronicle::postgres_store<counter_event> store(source, options);
    chronicle::postgres_checkpoint_store checkpoints(source, options);
    for (int i = 0; i < 100; ++i)
      REQUIRE(store.append("s" + std::to_string(i % 7), expected_version::any(), {pending<counter_event>(Added{i})}));
    resuming_reader reader{checkpoints, {}};
    CHECK(reader.catch_up(store, 60) == 60);
    before_dump = reader.seen;
  }
  const std::string dump = "'" + postgres_bin("pg_dump") + "' --no-owner --schema=orders '" + source + "' | '" +
                           postgres_bin("psql") + "' -q -v ON_ERROR_STOP=1 '" + target + "' >/dev/null";
  REQUIRE(std::system(dump.c_str()) == 0);

  chronicle::postgres_store<counter_event> store(target, options);
  chronicle::postgres_checkpoint_store checkpoints(target, options);
  CHECK(checkpoints.load("reader") == 60);
  // New appends continue the order after the restored events (the sequence came along).
  for (int i = 100; i < 150; ++i)
    REQUIRE(store.append("s" + std::to_string(i % 7), expected_version::any(), {pending<counter_event>(Added{i})}));
  CHECK(store.head_position() == 150);
  resuming_reader reader{checkpoints, before_dump};
  while (reader.catch_up(store, 1000) > 0) {
  }
  // Every event once, in the one order: each stream's versions run 1, 2, ... in the reader's log.
  REQUIRE(reader.seen.size() == 150);
  std::map<std::string, std::uint64_t> versions;
  for (const auto& [stream, version] : reader.seen) CHECK(version == ++versions[stream]);
  // The gap-safe horizon still works in the new database (its lock keys follow the new table).
  CHECK(store.safe_position() == 150);
  test::postgres_exec("SELECT 1", target);
  for (const auto& db : {source_db, target_db}) test::postgres_exec("DROP DATABASE " + db + " WITH (FORCE)");
}

}  // namespace
