// Read models in PostgreSQL tables: rows and checkpoint in one transaction, in the tenant's schema;
// several model objects (processes) on one name apply each event once.
#include <chronicle/postgres/read_model.hpp>
#include <chronicle/postgres/store.hpp>

#include <doctest/doctest.h>

#include "postgres_support.hpp"
#include "support.hpp"

#include <map>
#include <stdexcept>
#include <thread>
#include <vector>

namespace {

using counter::counter_event;
using chronicle::expected_version;
using store_type = chronicle::postgres_store<counter_event>;

// Each stream's sum of Added amounts, in a table.
struct stream_totals {
  using handles = chronicle::events<counter::Added>;
  static constexpr std::string_view name = "stream_totals";
  static void create(chronicle::postgres_writer& w) {
    w.execute("CREATE TABLE IF NOT EXISTS totals (stream text PRIMARY KEY, total bigint NOT NULL, events integer NOT NULL)");
  }
  static void clear(chronicle::postgres_writer& w) { w.execute("DELETE FROM totals"); }
  void when(const counter::Added& e, const chronicle::envelope& meta, chronicle::postgres_writer& w) {
    if (e.amount < 0) throw std::runtime_error("negative amount");
    w.execute("INSERT INTO totals (stream, total, events) VALUES ($1, $2, 1) ON CONFLICT (stream) DO UPDATE SET "
              "total = totals.total + excluded.total, events = totals.events + 1",
              std::string_view(meta.stream_id), e.amount);
  }
};

std::map<std::string, std::int64_t> totals_of(chronicle::postgres_read_model<stream_totals>& model, int streams) {
  std::map<std::string, std::int64_t> out;
  model.read([&](chronicle::postgres_writer& w) {
    for (int s = 0; s < streams; ++s) {
      const auto stream = "s" + std::to_string(s);
      out[stream] = w.query_integer("SELECT total FROM totals WHERE stream = $1", std::string_view(stream)).value_or(0);
    }
  });
  return out;
}

TEST_CASE("a PostgreSQL read model applies events and its checkpoint together, resumes, and stops on a throw") {
  test::postgres_schema schema("model");
  const chronicle::postgres_options options{.schema = schema.name};
  store_type store(test::postgres_conninfo(), options);
  for (int i = 0; i < 25; ++i)
    REQUIRE(store.append("s" + std::to_string(i % 2), expected_version::any(), {test::pending<counter_event>(counter::Added{1})}));
  REQUIRE(store.append("s0", expected_version::any(), {test::pending<counter_event>(counter::Doubled{})}));
  {
    chronicle::postgres_read_model<stream_totals> model(test::postgres_conninfo(), {}, options);
    CHECK(model.catch_up(store, 10) == 10);
    CHECK(model.checkpoint() == 10);
  }
  // A new object (a restarted process) resumes at the committed checkpoint.
  chronicle::postgres_read_model<stream_totals> model(test::postgres_conninfo(), {}, options);
  CHECK(model.checkpoint() == 10);
  CHECK(model.catch_up(store) == 16);
  CHECK(model.checkpoint() == 26);
  CHECK(totals_of(model, 2) == std::map<std::string, std::int64_t>{{"s0", 13}, {"s1", 12}});
  // The projection's table is in the tenant's schema.
  test::postgres_exec("SELECT 1 FROM \"" + schema.name + "\".totals LIMIT 1");

  REQUIRE(store.append("s1", expected_version::any(), {test::pending<counter_event>(counter::Added{5})}));
  REQUIRE(store.append("s1", expected_version::any(), {test::pending<counter_event>(counter::Added{-1})}));
  REQUIRE(store.append("s1", expected_version::any(), {test::pending<counter_event>(counter::Added{7})}));
  model.catch_up(store);
  REQUIRE(model.failure());
  CHECK(model.failure()->position == 28);
  CHECK(model.checkpoint() == 26);  // the failing transaction was rolled back whole
  CHECK(totals_of(model, 2).at("s1") == 12);

  model.reset();
  CHECK(model.checkpoint() == 0);
  CHECK(totals_of(model, 2).at("s0") == 0);
}

TEST_CASE("four model objects on one name, catching up at once, apply each event exactly once") {
  test::postgres_schema schema("model_race");
  const chronicle::postgres_options options{.schema = schema.name};
  store_type store(test::postgres_conninfo(), options);
  constexpr int events = 3000;
  for (int i = 0; i < events; i += 100) {
    std::vector<chronicle::pending_event<counter_event>> batch;
    for (int j = 0; j < 100; ++j) batch.push_back(test::pending<counter_event>(counter::Added{1}));
    REQUIRE(store.append("s" + std::to_string((i / 100) % 3), expected_version::any(), batch));
  }
  std::vector<std::thread> projectors;
  for (int p = 0; p < 4; ++p)
    projectors.emplace_back([&] {
      chronicle::postgres_read_model<stream_totals> model(test::postgres_conninfo(), {}, options);
      while (model.catch_up(store, 250) > 0) {
      }
      CHECK_FALSE(model.failure());
    });
  for (auto& p : projectors) p.join();
  chronicle::postgres_read_model<stream_totals> model(test::postgres_conninfo(), {}, options);
  CHECK(model.checkpoint() == events);
  std::int64_t total = 0;
  for (const auto& [stream, sum] : totals_of(model, 3)) total += sum;
  CHECK(total == events);
}

}  // namespace
