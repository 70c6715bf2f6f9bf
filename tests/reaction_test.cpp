// Reactions: an order's whole causal chain, from the command to the last event it led to.
#include <chronicle/reaction.hpp>

#include <doctest/doctest.h>

#include "inventory/inventory.hpp"
#include "support.hpp"

#include <map>
#include <string>
#include <string_view>
#include <variant>
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
  CHECK(orders.load(placed->stream_id)->state.status == order_status::confirmed);
  CHECK(inventory.load(stock_stream("widget"))->state.available == 3);

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
  const auto state = orders.load(placed->stream_id)->state;
  CHECK(state.status == order_status::cancelled);

  const auto chain = chain_of(orders.history(placed->stream_id).front().correlation_id);
  REQUIRE(chain.size() == 3);
  CHECK(chain[1].type() == "StockShortage");
  CHECK(chain[2].type() == "OrderCancelled");
  CHECK(chain[2].causation_id == chain[1].id);
  CHECK(std::get<OrderCancelled>(chain[2].event).reason == "out of stock: 1 left, 4 wanted");
  CHECK(inventory.load(stock_stream("widget"))->state.available == 1);
}

TEST_CASE_FIXTURE(fixture, "a reactor reacts to each event once, across catch-ups") {
  REQUIRE(commands.send(AddStock{"widget", 10}));
  for (int i = 0; i < 3; ++i) REQUIRE(commands.send(PlaceOrder{test::new_id(), "widget", 1, money{1}}));
  reactions.catch_up(store);
  reactions.catch_up(store);
  CHECK(inventory.load(stock_stream("widget"))->state.available == 7);
  CHECK(reactions.checkpoint() == store.head_position());
}

TEST_CASE_FIXTURE(fixture, "a reactor runs on its own thread through a subscription") {
  chronicle::subscription<shop_store, decltype(reactions)> running{store, reactions};
  running.start();
  REQUIRE(commands.send(AddStock{"widget", 10}));
  auto placed = commands.send(PlaceOrder{test::new_id(), "widget", 1, money{1}});
  REQUIRE(placed);
  // The chain ends with OrderConfirmed, two events after the order was placed.
  REQUIRE(reactions.wait_for(placed->appended.position + 2, std::chrono::seconds(60)));
  running.stop();
  CHECK(orders.load(placed->stream_id)->state.status == order_status::confirmed);
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
  CHECK(inventory.load(stock_stream("widget"))->state.available == 7);  // 1 + 2 reserved, each once
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
  CHECK(inventory.load(stock_stream("widget"))->state.available == 7);  // three orders, one reservation each
}

// A checkpoint store whose saves fail while `broken` is set: a crash between a reaction's commands
// and the save of its checkpoint.
struct breaking_checkpoints {
  chronicle::memory_checkpoint_store inner;
  bool broken = false;
  std::uint64_t load(std::string_view name) const { return inner.load(name); }
  void save(std::string_view name, std::uint64_t position) {
    if (broken) throw std::runtime_error("the checkpoint could not be saved");
    inner.save(name, position);
  }
  void erase(std::string_view name) { inner.erase(name); }
};

TEST_CASE_FIXTURE(fixture, "a reaction re-run after its checkpoint was lost appends its commands' events once") {
  breaking_checkpoints checkpoints;
  REQUIRE(commands.send(AddStock{"widget", 10}));
  auto placed = commands.send(PlaceOrder{test::new_id(), "widget", 3, money{1}});
  REQUIRE(placed);
  {
    checkpoints.broken = true;
    chronicle::reactor<fulfilment, command_bus> crashing{commands, {checkpoints, "fulfilment"}};
    crashing.catch_up(store);
    REQUIRE(crashing.failure());  // ReserveStock was appended; the save after it failed
    CHECK(crashing.failure()->position == placed->appended.position);
    CHECK(checkpoints.load("fulfilment") == 0);
  }
  CHECK(inventory.load(stock_stream("widget"))->state.available == 7);
  const auto reserved_at = store.head_position();

  checkpoints.broken = false;
  chronicle::reactor<fulfilment, command_bus> restarted{commands, {checkpoints, "fulfilment"}};
  restarted.catch_up(store);  // re-runs OrderPlaced's handler: its ReserveStock is the one recorded
  CHECK_FALSE(restarted.failure());
  CHECK(inventory.load(stock_stream("widget"))->state.available == 7);  // reserved once, not twice
  CHECK(store.stream_version(stock_stream("widget")) == 2);
  CHECK(orders.load(placed->stream_id)->state.status == order_status::confirmed);
  CHECK(store.head_position() == reserved_at + 1);  // only the confirmation is new

  // Each command of a reaction has ids of its own: from the event's id, the reaction's name and the
  // command's place among that event's commands.
  const auto reservation = inventory.history(stock_stream("widget")).back();
  const auto cause = orders.history(placed->stream_id).front().id;
  CHECK(reservation.id == chronicle::derived_event_id(chronicle::reaction_key(cause, "fulfilment", 0), 0));
  CHECK(reservation.id != chronicle::derived_event_id(chronicle::reaction_key(cause, "another", 0), 0));
  CHECK(reservation.id != chronicle::derived_event_id(chronicle::reaction_key(cause, "fulfilment", 1), 0));
}

TEST_CASE_FIXTURE(fixture, "a creating command sent again with its key finds the stream it created, and appends nothing") {
  chronicle::command_options once;
  once.idempotency_key = test::new_id();
  const PlaceOrder order{test::new_id(), "widget", 1, money{1}};
  const auto first = commands.send(order, once);
  REQUIRE(first);
  const auto again = commands.send(order, once);
  REQUIRE(again);
  CHECK(again->stream_id == first->stream_id);
  CHECK(again->appended == first->appended);
  CHECK(store.head_position() == 1);
  const auto other = commands.send(order);  // without a key: a new order
  REQUIRE(other);
  CHECK(other->stream_id != first->stream_id);
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

// A bank whose transfers a process manager carries out: debit, credit, and on a refused credit the
// compensation. Accounts and transfers are two aggregates in one store.
namespace bank {

struct Deposited {
  static constexpr std::string_view event_name = "Deposited";
  long cents = 0;
};
struct Withdrawn {
  static constexpr std::string_view event_name = "Withdrawn";
  long cents = 0;
};
struct TransferRequested {
  static constexpr std::string_view event_name = "TransferRequested";
  std::string from, to;
  long cents = 0;
};
struct TransferCompleted {
  static constexpr std::string_view event_name = "TransferCompleted";
};
struct TransferFailed {
  static constexpr std::string_view event_name = "TransferFailed";
  std::string reason;
};
using bank_event = std::variant<Deposited, Withdrawn, TransferRequested, TransferCompleted, TransferFailed>;

struct account {
  long balance = 0;
  void apply(const Deposited& e) { balance += e.cents; }
  void apply(const Withdrawn& e) { balance -= e.cents; }
};
struct transfer {
  std::string outcome = "pending";
  void apply(const TransferRequested&) {}
  void apply(const TransferCompleted&) { outcome = "completed"; }
  void apply(const TransferFailed& e) { outcome = "failed: " + e.reason; }
};

struct Deposit {
  std::string account;
  long cents = 0;
};
struct Withdraw {
  std::string account;
  long cents = 0;
};
struct RequestTransfer {
  std::string id, from, to;
  long cents = 0;
};
struct CompleteTransfer {
  std::string id;
};
struct FailTransfer {
  std::string id, reason;
};
struct insufficient_funds {};

auto decide(const account&, const Deposit& c) -> chronicle::decision<chronicle::no_error, Deposited> {
  return Deposited{c.cents};
}
auto decide(const account& a, const Withdraw& c) -> chronicle::decision<insufficient_funds, Withdrawn> {
  if (c.cents > a.balance) return insufficient_funds{};
  return Withdrawn{c.cents};
}
auto decide(const transfer&, const RequestTransfer& c) -> chronicle::decision<chronicle::no_error, TransferRequested> {
  return TransferRequested{c.from, c.to, c.cents};
}
auto decide(const transfer&, const CompleteTransfer&) -> chronicle::decision<chronicle::no_error, TransferCompleted> {
  return TransferCompleted{};
}
auto decide(const transfer&, const FailTransfer& c) -> chronicle::decision<chronicle::no_error, TransferFailed> {
  return TransferFailed{c.reason};
}

using store_type = chronicle::memory_store<bank_event>;
using accounts_type = chronicle::repository<chronicle::aggregate<account, std::variant<Deposited, Withdrawn>>, store_type>;
using transfers_type = chronicle::repository<
    chronicle::aggregate<transfer, std::variant<TransferRequested, TransferCompleted, TransferFailed>>, store_type>;

inline auto make_bus(accounts_type& accounts, transfers_type& transfers) {
  return chronicle::command_bus(chronicle::route<Deposit>(accounts, chronicle::existing(&Deposit::account)),
                                chronicle::route<Withdraw>(accounts, chronicle::existing(&Withdraw::account)),
                                chronicle::route<RequestTransfer>(transfers, &RequestTransfer::id),
                                chronicle::route<CompleteTransfer>(transfers, chronicle::existing(&CompleteTransfer::id)),
                                chronicle::route<FailTransfer>(transfers, chronicle::existing(&FailTransfer::id)));
}
using bus_type = decltype(make_bus(std::declval<accounts_type&>(), std::declval<transfers_type&>()));

struct transfer_manager {
  using handles = chronicle::events<TransferRequested>;
  template <class Send>
  void when(const TransferRequested& e, const chronicle::envelope& requested, Send& send) {
    if (!send(Withdraw{e.from, e.cents})) {
      (void)send(FailTransfer{requested.stream_id, "the debit was refused"});
      return;
    }
    const auto credited = send(Deposit{e.to, e.cents});
    if (!credited) {  // every refusal is a value here, a command to another aggregate's stream too
      (void)send(Deposit{e.from, e.cents});
      const bool foreign = std::holds_alternative<chronicle::foreign_event>(credited.error());
      (void)send(FailTransfer{requested.stream_id, foreign ? "the target is not an account" : "the credit was refused"});
      return;
    }
    (void)send(CompleteTransfer{requested.stream_id});
  }
};

TEST_CASE("a transfer to another aggregate's stream is compensated: the credit's refusal is a value") {
  store_type store;
  accounts_type accounts{store};
  transfers_type transfers{store};
  const auto bus = make_bus(accounts, transfers);
  chronicle::reactor<transfer_manager, bus_type> manager{bus};
  REQUIRE(accounts.execute("alice", Deposit{"alice", 500}));
  REQUIRE(accounts.execute("bob", Deposit{"bob", 0}));

  REQUIRE(bus.send(RequestTransfer{"t1", "alice", "bob", 200}));
  REQUIRE(bus.send(RequestTransfer{"t2", "alice", "t1", 100}));  // "t1" names a transfer, not an account
  manager.catch_up(store);
  CHECK_FALSE(manager.failure());
  CHECK(transfers.load("t1")->state.outcome == "completed");
  CHECK(transfers.load("t2")->state.outcome == "failed: the target is not an account");
  CHECK(accounts.load("alice")->state.balance == 300);  // debited 100 for t2 and given it back
  CHECK(accounts.load("bob")->state.balance == 200);
  CHECK(store.stream_version("t1") == 2);  // nothing deposited into the transfer's stream

  const auto sent = bus.send(Deposit{"t1", 1});  // and from outside, the same value
  REQUIRE(sent.has_error());
  CHECK(std::get<chronicle::foreign_event>(sent.error()) == chronicle::foreign_event{"t1", 1, "TransferRequested"});
}

}  // namespace bank
