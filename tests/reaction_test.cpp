// Reactions: an order's whole causal chain, from the command to the last event it led to.
#include <chronicle/reaction.hpp>

#include <doctest/doctest.h>

#include "inventory/inventory.hpp"
#include "support.hpp"

#include <map>
#include <stdexcept>
#include <vector>

namespace {

using namespace shop;

struct fixture {
  shop_store store;
  order_repository orders{store};
  inventory_repository inventory{store};
  command_bus commands = make_command_bus(orders, inventory);
  chronicle::reactor<fulfilment, command_bus> reactions{commands};

  std::vector<chronicle::recorded_event<shop_event>> chain_of(chronicle::event_id correlation) {
    std::vector<chronicle::recorded_event<shop_event>> chain;
    store.read_all(1, [&](const auto& e) {
      if (e.correlation_id == correlation) chain.push_back(e);
    });
    return chain;
  }
};

TEST_CASE_FIXTURE(fixture, "a placed order reserves stock and is confirmed; ids trace the whole chain") {
  REQUIRE(commands.send(AddStock{"widget", 5}));
  auto placed = commands.send(PlaceOrder{test::new_id(), "widget", 2, money{100}});
  REQUIRE(placed);
  reactions.catch_up(store);  // one pass follows the chain: the reaction's own events come after it
  CHECK_FALSE(reactions.failure());
  CHECK(orders.load(placed->stream_id).state.status == order_status::confirmed);
  CHECK(inventory.load(stock_stream("widget")).state.available == 3);

  const auto root = orders.history(placed->stream_id).front();
  CHECK(root.correlation_id == root.id);  // a command from outside starts the chain
  CHECK(root.causation_id.is_nil());
  const auto chain = chain_of(root.correlation_id);
  REQUIRE(chain.size() == 3);
  CHECK(chain[0].type() == "OrderPlaced");
  CHECK(chain[1].type() == "StockReserved");
  CHECK(chain[1].stream_id == stock_stream("widget"));
  CHECK(chain[1].causation_id == chain[0].id);  // caused by the order being placed
  CHECK(chain[2].type() == "OrderConfirmed");
  CHECK(chain[2].stream_id == placed->stream_id);
  CHECK(chain[2].causation_id == chain[1].id);  // caused by the reservation
  CHECK(std::get<StockReserved>(chain[1].event).order_id == placed->stream_id);
}

TEST_CASE_FIXTURE(fixture, "when stock runs out the order is cancelled, and the chain says why") {
  REQUIRE(commands.send(AddStock{"widget", 1}));
  auto placed = commands.send(PlaceOrder{test::new_id(), "widget", 4, money{100}});
  REQUIRE(placed);
  reactions.catch_up(store);
  const auto state = orders.load(placed->stream_id).state;
  CHECK(state.status == order_status::cancelled);

  const auto chain = chain_of(orders.history(placed->stream_id).front().correlation_id);
  REQUIRE(chain.size() == 3);
  CHECK(chain[1].type() == "StockShortage");
  CHECK(chain[2].type() == "OrderCancelled");
  CHECK(chain[2].causation_id == chain[1].id);
  CHECK(std::get<OrderCancelled>(chain[2].event).reason == "out of stock: 1 left, 4 wanted");
  CHECK(inventory.load(stock_stream("widget")).state.available == 1);
}

TEST_CASE_FIXTURE(fixture, "a reactor reacts to each event once, across catch-ups") {
  REQUIRE(commands.send(AddStock{"widget", 10}));
  for (int i = 0; i < 3; ++i) REQUIRE(commands.send(PlaceOrder{test::new_id(), "widget", 1, money{1}}));
  reactions.catch_up(store);
  reactions.catch_up(store);
  CHECK(inventory.load(stock_stream("widget")).state.available == 7);
  CHECK(reactions.checkpoint() == store.head_position());
}

TEST_CASE_FIXTURE(fixture, "a reactor runs on its own thread through a subscription") {
  chronicle::subscription<shop_store, decltype(reactions)> running{store, reactions};
  running.start();
  REQUIRE(commands.send(AddStock{"widget", 10}));
  auto placed = commands.send(PlaceOrder{test::new_id(), "widget", 1, money{1}});
  REQUIRE(placed);
  // The chain ends with OrderConfirmed, two events after the order was placed.
  REQUIRE(reactions.wait_for(placed->appended.position + 2, std::chrono::seconds(5)));
  running.stop();
  CHECK(orders.load(placed->stream_id).state.status == order_status::confirmed);
}

// Reacts to placed orders and fails on the order numbered `fail_at` (1-based), once.
struct flaky_fulfilment {
  using handles = chronicle::events<OrderPlaced>;
  int fail_at = 0;
  int seen = 0;
  template <class Send>
  void when(const OrderPlaced& e, const chronicle::envelope& placed, Send& send) {
    if (++seen == fail_at) throw std::runtime_error("the warehouse is unreachable");
    (void)send(ReserveStock{e.product_id, placed.stream_id, e.quantity});
  }
};

TEST_CASE_FIXTURE(fixture, "a reactor with a saved checkpoint resumes after a restart and reacts to nothing twice") {
  chronicle::memory_checkpoint_store checkpoints;  // or a sqlite_checkpoint_store, to outlive the process
  REQUIRE(commands.send(AddStock{"widget", 10}));
  REQUIRE(commands.send(PlaceOrder{test::new_id(), "widget", 1, money{1}}));
  {  // one process
    chronicle::reactor<fulfilment, command_bus> durable{commands, {checkpoints, "fulfilment"}};
    CHECK(durable.catch_up(store) > 0);
    CHECK(checkpoints.load("fulfilment") == store.head_position());  // the tail it merely passed, too
  }
  const auto stopped_at = store.head_position();
  REQUIRE(commands.send(PlaceOrder{test::new_id(), "widget", 2, money{1}}));

  chronicle::reactor<fulfilment, command_bus> restarted{commands, {checkpoints, "fulfilment"}};
  CHECK(restarted.checkpoint() == stopped_at);
  restarted.catch_up(store);
  CHECK_FALSE(restarted.failure());
  CHECK(inventory.load(stock_stream("widget")).state.available == 7);  // 1 + 2 reserved, each once
  CHECK(checkpoints.load("fulfilment") == store.head_position());
}

TEST_CASE_FIXTURE(fixture, "a failing reaction leaves the saved checkpoint at the last event it handled") {
  chronicle::memory_checkpoint_store checkpoints;
  REQUIRE(commands.send(AddStock{"widget", 10}));
  std::vector<std::uint64_t> placed_at;
  for (int i = 0; i < 3; ++i) {
    auto placed = commands.send(PlaceOrder{test::new_id(), "widget", 1, money{1}});
    REQUIRE(placed);
    placed_at.push_back(placed->appended.position);
  }
  {
    chronicle::reactor<flaky_fulfilment, command_bus> first{commands, {checkpoints, "flaky"}, flaky_fulfilment{2}};
    first.catch_up(store);
    REQUIRE(first.failure());
    CHECK(first.failure()->position == placed_at[1]);
    CHECK(checkpoints.load("flaky") == placed_at[0]);  // saved when it reacted, not at the end
  }
  chronicle::reactor<flaky_fulfilment, command_bus> restarted{commands, {checkpoints, "flaky"}};
  restarted.catch_up(store);
  CHECK_FALSE(restarted.failure());
  CHECK(inventory.load(stock_stream("widget")).state.available == 7);  // three orders, one reservation each
}

TEST_CASE_FIXTURE(fixture, "a saved checkpoint past the store's end stops the reactor instead of skipping events") {
  chronicle::memory_checkpoint_store checkpoints;
  checkpoints.save("fulfilment", 40);  // saved against another, longer history
  REQUIRE(commands.send(AddStock{"widget", 10}));
  REQUIRE(commands.send(PlaceOrder{test::new_id(), "widget", 1, money{1}}));
  chronicle::reactor<fulfilment, command_bus> restarted{commands, {checkpoints, "fulfilment"}};
  CHECK(restarted.catch_up(store) == 0);
  REQUIRE(restarted.failure());
  CHECK(restarted.failure()->message ==
        "chronicle: the saved checkpoint 40 is past the store's newest event 2: it was saved against another history");
  CHECK(checkpoints.load("fulfilment") == 40);
}

}  // namespace
