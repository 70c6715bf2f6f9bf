// The testing helpers, on the Order domain; and that they report failures.
#include <chronicle/testing.hpp>

#include "orders/read_side.hpp"
#include "support.hpp"

namespace {

using namespace orders;
using chronicle::testing::given;
using chronicle::testing::on;

const auto alice = test::new_id();
const OrderPlaced placed{alice, "widget", 2, money{150}};

}  // namespace

namespace {

TEST_CASE("given / when / then on the Order aggregate") {
  given<order_aggregate>().when(PlaceOrder{alice, "widget", 2, money{150}}).then(placed);
  given<order_aggregate>(placed).when(ConfirmOrder{"o1"}).then(OrderConfirmed{});
  given<order_aggregate>(placed, OrderConfirmed{}).when(ShipOrder{"o1", "T-1"}).then(OrderShipped{"T-1"});
  given<order_aggregate>(placed, OrderConfirmed{}, OrderShipped{"T-1"})
      .when(CancelOrder{"o1", "late"})
      .then_error<invalid_transition>([](const invalid_transition& e) {
        return e.from == order_status::shipped && e.to == order_status::cancelled;
      });
  given<order_aggregate>().when(PlaceOrder{alice, "widget", 0, money{150}}).then_error<invalid_quantity>();
  given<order_aggregate>().when(PlaceOrder{alice, "widget", 0, money{150}}).then_error<order_error>();
  CHECK(given<order_aggregate>(placed, OrderCancelled{"x"}).state().status == order_status::cancelled);
}

TEST_CASE("several events, and then_nothing on a command that decides nothing") {
  given<counter::aggregate>().when(counter::AddThenDouble{1}).then(counter::Added{1}, counter::Doubled{});
  given<counter::aggregate>(counter::Added{1}).when(counter::DoNothing{}).then_nothing();
}

TEST_CASE("given / then on projections, with events placed on streams") {
  given<order_summary>(on("o1", placed), on("o2", placed), on("o1", OrderConfirmed{}))
      .then([](const order_summary& s) {
        CHECK(s.rows.size() == 2);
        CHECK(s.rows.at("o1").status == order_status::confirmed);
        CHECK(s.rows.at("o2").status == order_status::pending);
        CHECK(s.rows.at("o2").total == money{300});
      })
      .then([](const order_summary& s) { return s.rows.contains("o1"); });
  given<user_order_count>(placed, placed).then([](const user_order_count& c) { return c.counts.at(alice) == 2; });
}

// The helpers must fail when the domain misbehaves: each case below is expected to record failures.
TEST_CASE("events in another order fail" * doctest::should_fail()) {
  given<counter::aggregate>().when(counter::AddThenDouble{1}).then(counter::Doubled{}, counter::Added{1});
}
TEST_CASE("an unexpected acceptance fails" * doctest::should_fail()) {
  given<order_aggregate>(placed).when(ConfirmOrder{"o1"}).then_error<invalid_transition>();
}
TEST_CASE("an unexpected rejection fails" * doctest::should_fail()) {
  given<order_aggregate>().when(ConfirmOrder{"o1"}).then(OrderConfirmed{});
}
TEST_CASE("events that differ in value fail" * doctest::should_fail()) {
  given<order_aggregate>(placed, OrderConfirmed{}).when(ShipOrder{"o1", "T-1"}).then(OrderShipped{"T-2"});
}
TEST_CASE("emitting where nothing was expected fails" * doctest::should_fail()) {
  given<order_aggregate>(placed).when(ConfirmOrder{"o1"}).then_nothing();
}
TEST_CASE("a projection check returning false fails" * doctest::should_fail()) {
  given<user_order_count>(placed).then([](const user_order_count& c) { return c.counts.at(alice) == 5; });
}

}  // namespace
