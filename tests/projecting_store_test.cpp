// Inline projections: a query right after a command sees it, with no waiting.
#include <chronicle/projecting_store.hpp>

#include <doctest/doctest.h>

#include "orders/read_side.hpp"
#include "support.hpp"

#include <thread>

namespace {

using namespace orders;
using store_t = chronicle::memory_store<order_event>;

static_assert(chronicle::event_store<chronicle::projecting_store<store_t, chronicle::read_model<order_summary>>>);

TEST_CASE("a query right after a command sees an inline projection's update") {
  store_t store;
  read_side models;
  chronicle::projecting_store projected{store, models.summaries, models.lists, models.counts};
  chronicle::repository<order_aggregate, decltype(projected)> repo{projected};
  const auto queries = make_query_bus(models);
  const auto user = test::new_id();

  REQUIRE(repo.execute("o1", PlaceOrder{user, "widget", 3, money{250}}));
  const auto summary = queries.ask(GetOrderSummary{"o1"});
  REQUIRE(summary);
  REQUIRE(summary->has_value());
  CHECK(**summary == order_summary_row{"o1", order_status::pending, 3, user, money{750}});

  REQUIRE(repo.execute("o1", ConfirmOrder{"o1"}));
  CHECK(queries.ask(GetOrderSummary{"o1"}).value()->status == order_status::confirmed);
  CHECK(queries.ask(CountUserOrders{user}).value() == 1);
  CHECK(models.summaries.checkpoint() == store.head_position());
}

TEST_CASE("events appended around the projecting store are picked up by the next append") {
  store_t store;
  const auto user = test::new_id();
  REQUIRE(store.append("early", chronicle::expected_version::any(),
                       {test::pending<order_event>(OrderPlaced{user, "p", 1, money{1}})}));
  read_side models;
  chronicle::projecting_store projected{store, models.counts};  // catches up on construction
  CHECK(models.counts.checkpoint() == 1);
  REQUIRE(store.append("bypass", chronicle::expected_version::any(),
                       {test::pending<order_event>(OrderPlaced{user, "p", 1, money{1}})}));
  const std::vector batch{test::pending<order_event>(OrderPlaced{user, "p", 1, money{1}})};
  REQUIRE(projected.append("through", chronicle::expected_version::any(), batch));
  CHECK(models.counts.checkpoint() == 3);
  CHECK(models.counts.read([&](const user_order_count& c) { return c.counts.at(user); }) == 3);
}

struct explosive {
  using handles = chronicle::events<OrderShipped>;
  void when(const OrderShipped&) { throw std::runtime_error("no ships today"); }
};

TEST_CASE("a throwing inline handler stops its model; the append stands") {
  store_t store;
  chronicle::read_model<explosive> model;
  chronicle::read_model<user_order_count> counts;
  chronicle::projecting_store projected{store, model, counts};
  chronicle::repository<order_aggregate, decltype(projected)> repo{projected};
  REQUIRE(repo.execute("o1", PlaceOrder{test::new_id(), "p", 1, money{1}}));
  REQUIRE(repo.execute("o1", ConfirmOrder{"o1"}));
  auto shipped = repo.execute("o1", ShipOrder{"o1", "T"});
  REQUIRE(shipped);
  CHECK(store.stream_version("o1") == 3);
  const auto failure = model.failure();
  REQUIRE(failure);
  CHECK(failure->position == 3);
  CHECK(failure->message == "no ships today");
  CHECK(counts.checkpoint() == 3);  // other models go on
}

TEST_CASE("inline projections apply concurrent commands in global order, each once") {
  store_t store;
  read_side models;
  chronicle::projecting_store projected{store, models.summaries, models.counts};
  chronicle::repository<order_aggregate, decltype(projected)> repo{projected};
  const auto user = test::new_id();
  {
    std::vector<std::jthread> threads;
    for (int t = 0; t < 4; ++t)
      threads.emplace_back([&, t] {
        for (int i = 0; i < 200; ++i) {
          const auto id = "o" + std::to_string(t) + "-" + std::to_string(i);
          REQUIRE(repo.execute(id, PlaceOrder{user, "p", 1, money{1}}));
          REQUIRE(repo.execute(id, ConfirmOrder{id}));
        }
      });
  }
  CHECK(models.summaries.checkpoint() == 1600);
  CHECK(models.counts.read([&](const user_order_count& c) { return c.counts.at(user); }) == 800);
  models.summaries.read([](const order_summary& s) {
    CHECK(s.rows.size() == 800);
    for (const auto& [id, row] : s.rows) CHECK(row.status == order_status::confirmed);
  });
}

}  // namespace
