#include <chronicle/query_bus.hpp>

#include <doctest/doctest.h>

#include "orders/read_side.hpp"
#include "support.hpp"

namespace {

using namespace orders;
using store_t = chronicle::memory_store<order_event>;
using bus_t = decltype(make_query_bus(std::declval<const read_side&>()));

static_assert(std::is_same_v<decltype(std::declval<const bus_t&>().ask(GetOrderSummary{})),
                             chronicle::result<std::optional<order_summary_row>, chronicle::projection_failure>>);
static_assert(std::is_same_v<decltype(std::declval<const bus_t&>().ask(CountUserOrders{})),
                             chronicle::result<std::size_t, chronicle::projection_failure>>);

struct fixture {
  store_t store;
  chronicle::repository<order_aggregate, store_t> repo{store};
  read_side models;
  bus_t queries = make_query_bus(models);
  boost::uuids::uuid alice = test::new_id(), bob = test::new_id();

  void catch_up() {
    models.summaries.catch_up(store);
    models.lists.catch_up(store);
    models.counts.catch_up(store);
  }
};

TEST_CASE_FIXTURE(fixture, "the reference's queries: get_order_summary and list_user_orders with a status filter") {
  REQUIRE(repo.execute("a1", PlaceOrder{alice, "apple", 2, money{100}}));
  REQUIRE(repo.execute("a2", PlaceOrder{alice, "pear", 1, money{300}}));
  REQUIRE(repo.execute("b1", PlaceOrder{bob, "plum", 5, money{10}}));
  REQUIRE(repo.execute("a2", ConfirmOrder{"a2"}));
  REQUIRE(repo.execute("a2", ShipOrder{"a2", "T1"}));
  REQUIRE(repo.execute("a1", CancelOrder{"a1", "no"}));
  catch_up();

  const auto a2 = queries.ask(GetOrderSummary{"a2"}).value();
  REQUIRE(a2);
  CHECK(*a2 == order_summary_row{"a2", order_status::shipped, 1, alice, money{300}});
  CHECK_FALSE(queries.ask(GetOrderSummary{"nope"}).value().has_value());

  const auto all = queries.ask(ListUserOrders{alice, std::nullopt}).value();
  REQUIRE(all.size() == 2);
  CHECK(all[0].id == "a1");
  CHECK(all[0].status == order_status::cancelled);
  CHECK(all[0].total == money{200});
  const auto shipped = queries.ask(ListUserOrders{alice, order_status::shipped}).value();
  REQUIRE(shipped.size() == 1);
  CHECK(shipped[0].id == "a2");
  CHECK(queries.ask(ListUserOrders{bob, order_status::shipped}).value().empty());
  CHECK(queries.ask(ListUserOrders{test::new_id(), std::nullopt}).value().empty());

  CHECK(queries.ask(CountUserOrders{alice}).value() == 2);
  CHECK(queries.ask(CountUserOrders{bob}).value() == 1);
}

struct brittle {
  using handles = chronicle::events<OrderPlaced>;
  void when(const OrderPlaced&) { throw std::runtime_error("boom"); }
};
struct AnyBrittle {};
inline bool answer_brittle(const brittle&, const AnyBrittle&) { return true; }

TEST_CASE("a stopped read model answers with its failure, never with stale data") {
  store_t store;
  chronicle::repository<order_aggregate, store_t> repo{store};
  chronicle::read_model<brittle> model;
  const auto bus = chronicle::query_bus(chronicle::answer<AnyBrittle>(model, &answer_brittle));
  CHECK(bus.ask(AnyBrittle{}).value());
  REQUIRE(repo.execute("x", PlaceOrder{test::new_id(), "p", 1, money{1}}));
  model.catch_up(store);
  const auto answer = bus.ask(AnyBrittle{});
  REQUIRE(answer.has_error());
  CHECK(answer.error().position == 1);
  CHECK(answer.error().message == "boom");
}

}  // namespace
