// The reference's Order domain: its state rules, through the repository, as the example runs it.
#include <chronicle/testing.hpp>

#include "orders/order.hpp"
#include "support.hpp"

namespace {

using namespace orders;
using store_t = chronicle::memory_store<order_event>;

struct fixture {
  store_t store;
  chronicle::repository<order_aggregate, store_t> repo{store};
  const boost::uuids::uuid user = test::new_id();
  PlaceOrder place{user, "widget", 2, money{1999}};

  order_status status(std::string_view id) { return repo.load(id)->state.status; }
  template <class Command>
  order_error rejection(std::string_view id, const Command& c) {
    auto r = repo.execute(id, c);
    REQUIRE(r.has_error());
    return std::get<order_error>(r.error());
  }
};

TEST_CASE_FIXTURE(fixture, "an order goes from new to pending to confirmed to shipped") {
  REQUIRE(repo.execute("o1", place));
  CHECK(status("o1") == order_status::pending);
  CHECK(repo.load("o1")->state.total == money{3998});
  CHECK(repo.load("o1")->state.user_id == user);
  REQUIRE(repo.execute("o1", ConfirmOrder{"o1"}));
  REQUIRE(repo.execute("o1", ShipOrder{"o1", "ABC"}));
  CHECK(status("o1") == order_status::shipped);
  CHECK(repo.load("o1")->state.tracking == "ABC");
}

TEST_CASE_FIXTURE(fixture, "invalid transitions are typed domain errors") {
  auto not_placed = rejection("o1", ShipOrder{"o1", "ABC"});
  CHECK(std::get<invalid_transition>(not_placed).from == order_status::fresh);
  CHECK(std::get<invalid_transition>(not_placed).to == order_status::shipped);

  REQUIRE(repo.execute("o1", place));
  auto twice = rejection("o1", place);
  CHECK(std::get<invalid_transition>(twice).from == order_status::pending);

  auto unconfirmed = rejection("o1", ShipOrder{"o1", "ABC"});
  CHECK(std::get<invalid_transition>(unconfirmed).from == order_status::pending);

  REQUIRE(repo.execute("o1", ConfirmOrder{"o1"}));
  REQUIRE(repo.execute("o1", ShipOrder{"o1", "ABC"}));
  auto late = rejection("o1", CancelOrder{"o1", "too late"});
  CHECK(std::get<invalid_transition>(late).from == order_status::shipped);
  CHECK(describe(late) == "cannot go from shipped to cancelled");
  CHECK(store.stream_version("o1") == 3);
}

TEST_CASE_FIXTURE(fixture, "pending and confirmed orders can be cancelled") {
  REQUIRE(repo.execute("o1", place));
  REQUIRE(repo.execute("o1", CancelOrder{"o1", "changed mind"}));
  CHECK(status("o1") == order_status::cancelled);
  REQUIRE(repo.execute("o2", place));
  REQUIRE(repo.execute("o2", ConfirmOrder{"o2"}));
  REQUIRE(repo.execute("o2", CancelOrder{"o2", "out of stock"}));
  CHECK(status("o2") == order_status::cancelled);
  CHECK(std::holds_alternative<invalid_transition>(rejection("o2", ConfirmOrder{"o2"})));
}

// The same rules as decisions alone, with the testing helpers: no store involved.
TEST_CASE("the state rules, decided without a store") {
  using chronicle::testing::given;
  const OrderPlaced placed{test::new_id(), "widget", 2, money{1999}};
  given<order_aggregate>().when(PlaceOrder{placed.user_id, "widget", 2, money{1999}}).then(placed);
  given<order_aggregate>(placed).when(PlaceOrder{}).then_error<invalid_transition>();
  given<order_aggregate>(placed).when(ShipOrder{"o", "T"}).then_error<invalid_transition>();
  given<order_aggregate>(placed).when(ConfirmOrder{"o"}).then(OrderConfirmed{});
  given<order_aggregate>(placed).when(CancelOrder{"o", "r"}).then(OrderCancelled{"r"});
  given<order_aggregate>(placed, OrderConfirmed{}).when(CancelOrder{"o", "r"}).then(OrderCancelled{"r"});
  given<order_aggregate>(placed, OrderCancelled{"r"}).when(ConfirmOrder{"o"}).then_error<invalid_transition>();
  given<order_aggregate>(placed, OrderConfirmed{}, OrderShipped{"T"})
      .when(CancelOrder{"o", "r"})
      .then_error<invalid_transition>([](const invalid_transition& e) { return e.from == order_status::shipped; });
}

TEST_CASE_FIXTURE(fixture, "a non-positive quantity is rejected") {
  PlaceOrder none = place;
  none.quantity = 0;
  CHECK(std::get<invalid_quantity>(rejection("o1", none)).quantity == 0);
  CHECK(store.stream_version("o1") == 0);
}

TEST_CASE_FIXTURE(fixture, "the audit trail and an earlier state of an order") {
  REQUIRE(repo.execute("o1", place));
  REQUIRE(repo.execute("o1", ConfirmOrder{"o1"}));
  REQUIRE(repo.execute("o1", ShipOrder{"o1", "ABC"}));
  const auto trail = repo.history("o1");
  REQUIRE(trail.size() == 3);
  CHECK(trail[0].type() == "OrderPlaced");
  CHECK(trail[1].type() == "OrderConfirmed");
  CHECK(trail[2].type() == "OrderShipped");
  CHECK(repo.load_at_version("o1", 1).value().state.status == order_status::pending);
  CHECK(repo.load_at_version("o1", 2).value().state.status == order_status::confirmed);
}

}  // namespace
