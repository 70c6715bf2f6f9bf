// Catch-up subscriptions: their own thread, a checkpoint to resume from, read-your-writes on request.
// Also run under ThreadSanitizer in CI.
#include <chronicle/subscription.hpp>

#include <doctest/doctest.h>

#include "orders/read_side.hpp"
#include "support.hpp"

namespace {

using namespace orders;
using namespace std::chrono_literals;
using store_t = chronicle::memory_store<order_event>;

// How long a wait may take before the test calls it a hang. A wait returns as soon as its condition
// holds (or the model fails), so this costs nothing when all is well; it is generous so that a slow,
// loaded machine under a sanitizer never fails a test that is right.
constexpr auto patience = 60s;

TEST_CASE("read-your-writes: place an order and at once read order_summary through a catch-up projection") {
  store_t store;
  read_side models;
  chronicle::subscription<store_t, chronicle::read_model<order_summary>> summaries{store, models.summaries};
  summaries.start();
  chronicle::repository<order_aggregate, store_t> repo{store};
  const auto queries = make_query_bus(models);

  for (int i = 0; i < 50; ++i) {
    const auto id = "order-" + std::to_string(i);
    auto placed = repo.execute(id, PlaceOrder{test::new_id(), "widget", 1, money{100}});
    REQUIRE(placed);
    // The reference's failure case 2: without this wait the row may be missing; with it, it never is.
    REQUIRE(models.summaries.wait_for(placed->position, patience));
    const auto row = queries.ask(GetOrderSummary{id});
    REQUIRE(row);
    REQUIRE(row->has_value());
    CHECK((*row)->status == order_status::pending);
  }
}

TEST_CASE("a subscription stops and resumes where it stopped") {
  store_t store;
  chronicle::read_model<user_order_count> counts;
  const auto user = test::new_id();
  auto place = [&](int n) {
    for (int i = 0; i < n; ++i)
      REQUIRE(store.append("o" + std::to_string(store.head_position()), chronicle::expected_version::no_stream(),
                           {test::pending<order_event>(OrderPlaced{user, "p", 1, money{1}})}));
  };
  auto count = [&] { return counts.read([&](const user_order_count& c) { return c.counts.contains(user) ? c.counts.at(user) : 0; }); };

  chronicle::subscription<store_t, chronicle::read_model<user_order_count>> sub{store, counts};
  place(10);
  sub.start();
  CHECK(sub.running());
  REQUIRE(counts.wait_for(10, patience));
  sub.stop();
  CHECK_FALSE(sub.running());
  place(5);
  CHECK(counts.checkpoint() == 10);  // stopped: nothing more applied
  CHECK(count() == 10);
  sub.start();
  REQUIRE(counts.wait_for(15, patience));
  CHECK(count() == 15);  // resumed from 10: each event counted once
  sub.stop();

  // A new subscription over the same model also continues from its checkpoint.
  place(3);
  chronicle::subscription<store_t, chronicle::read_model<user_order_count>> again{store, counts};
  again.start();
  REQUIRE(counts.wait_for(18, patience));
  CHECK(count() == 18);
}

struct fails_on_cancel {
  using handles = chronicle::events<OrderPlaced, OrderCancelled>;
  int placed = 0;
  void when(const OrderPlaced&) { ++placed; }
  void when(const OrderCancelled& e) { throw std::runtime_error("cannot handle: " + e.reason); }
};

TEST_CASE("a throwing handler stops the subscription and reports the event's position; nothing is skipped") {
  store_t store;
  chronicle::repository<order_aggregate, store_t> repo{store};
  chronicle::read_model<fails_on_cancel> model;
  chronicle::subscription<store_t, chronicle::read_model<fails_on_cancel>> sub{store, model};
  sub.start();
  REQUIRE(repo.execute("a", PlaceOrder{test::new_id(), "p", 1, money{1}}));
  auto cancelled = repo.execute("a", CancelOrder{"a", "changed mind"});
  REQUIRE(cancelled);
  REQUIRE(repo.execute("b", PlaceOrder{test::new_id(), "p", 1, money{1}}));
  CHECK_FALSE(model.wait_for(3, patience));  // returns early: the model failed
  const auto failure = model.failure();
  REQUIRE(failure);
  CHECK(failure->position == cancelled->position);
  CHECK(failure->message == "cannot handle: changed mind");
  CHECK(model.checkpoint() == 1);
  CHECK(model.read([](const fails_on_cancel& m) { return m.placed; }) == 1);  // "b" was not applied past the failure
  sub.stop();
}

TEST_CASE("writers and a catch-up projection running together agree at the end") {
  store_t store;
  read_side models;
  chronicle::subscription<store_t, chronicle::read_model<order_summary>> summaries{store, models.summaries};
  chronicle::subscription<store_t, chronicle::read_model<user_orders>> lists{store, models.lists};
  summaries.start();
  lists.start();
  chronicle::repository<order_aggregate, store_t> repo{store};
  const auto user = test::new_id();
  {
    std::vector<std::jthread> writers;
    for (int t = 0; t < 4; ++t)
      writers.emplace_back([&, t] {
        for (int i = 0; i < 100; ++i) {
          const auto id = std::to_string(t) + "/" + std::to_string(i);
          REQUIRE(repo.execute(id, PlaceOrder{user, "p", 1, money{1}}));
          if (i % 2) REQUIRE(repo.execute(id, CancelOrder{id, "odd"}));
        }
      });
  }
  REQUIRE(models.summaries.wait_for(store.head_position(), patience));
  REQUIRE(models.lists.wait_for(store.head_position(), patience));
  const auto queries = make_query_bus(models);
  CHECK(queries.ask(ListUserOrders{user, std::nullopt}).value().size() == 400);
  CHECK(queries.ask(ListUserOrders{user, order_status::cancelled}).value().size() == 200);
  CHECK(queries.ask(ListUserOrders{user, order_status::pending}).value().size() == 200);
}

struct fails_once {
  using handles = chronicle::events<OrderCancelled>;
  static inline std::atomic<int> throws_left{1};
  int cancelled = 0;
  void when(const OrderCancelled&) {
    if (throws_left-- > 0) throw std::runtime_error("transient");
    ++cancelled;
  }
};

TEST_CASE("a subscription that stopped on a failure starts again after a reset") {
  store_t store;
  chronicle::repository<order_aggregate, store_t> repo{store};
  chronicle::read_model<fails_once> model;
  chronicle::subscription<store_t, chronicle::read_model<fails_once>> sub{store, model};
  sub.start();
  REQUIRE(repo.execute("a", PlaceOrder{test::new_id(), "p", 1, money{1}}));
  REQUIRE(repo.execute("a", CancelOrder{"a", "x"}));
  CHECK_FALSE(model.wait_for(2, patience));
  REQUIRE(model.failure());
  // The thread ends right after it records the failure; wait for that, not for a guessed time.
  for (const auto deadline = std::chrono::steady_clock::now() + patience;
       sub.running() && std::chrono::steady_clock::now() < deadline;)
    std::this_thread::sleep_for(1ms);
  CHECK_FALSE(sub.running());  // the thread ended on the failure
  model.reset();
  sub.start();
  CHECK(sub.running());
  REQUIRE(model.wait_for(2, patience));
  CHECK(model.read([](const fails_once& m) { return m.cancelled; }) == 1);
}

}  // namespace
