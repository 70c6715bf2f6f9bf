// The PostgreSQL store: the store contract, plus what only a shared database has (schemas of their
// own, tenants side by side, many threads on one store object).
#include <chronicle/postgres/checkpoint_store.hpp>
#include <chronicle/postgres/snapshots.hpp>
#include <chronicle/postgres/store.hpp>

#include "postgres_support.hpp"
#include "store_conformance.hpp"

#include <string>

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
