#include <chronicle/command_bus.hpp>

#include <doctest/doctest.h>

#include "orders/order.hpp"
#include "support.hpp"

namespace {

using namespace orders;
using store_t = chronicle::memory_store<order_event>;
using repo_t = chronicle::repository<order_aggregate, store_t>;

// A command that names its order by UUID rather than by text.
struct CancelByUuid {
  boost::uuids::uuid order_id;
  std::string reason;
};
struct Ping {
  int n = 0;
};

}  // namespace

namespace orders {
inline auto decide(const order& s, const CancelByUuid& c) { return decide(s, CancelOrder{{}, c.reason}); }
}  // namespace orders

namespace {

auto make_bus(repo_t& repo, int& pings) {
  return chronicle::command_bus(chronicle::route<PlaceOrder>(repo, chronicle::new_stream),
                                chronicle::route<ConfirmOrder>(repo, chronicle::existing(&ConfirmOrder::order_id)),
                                chronicle::route<CancelByUuid>(repo, &CancelByUuid::order_id),
                                chronicle::route<Ping>([&pings](const Ping& p) { return pings += p.n; }));
}
using bus_t = decltype(make_bus(std::declval<repo_t&>(), std::declval<int&>()));

static_assert(bus_t::routes_v<PlaceOrder>);
static_assert(bus_t::routes_v<Ping>);
static_assert(!bus_t::routes_v<ShipOrder>);
// What a command returns is a compile-time fact: a receipt, or the domain's error then the store's.
static_assert(std::is_same_v<decltype(std::declval<const bus_t&>().send(PlaceOrder{})),
                             chronicle::result<chronicle::command_receipt, chronicle::command_error<order_error>>>);
static_assert(std::is_same_v<decltype(std::declval<const bus_t&>().send(Ping{})), int>);

TEST_CASE("a command to a new stream returns the new id and where its event landed") {
  store_t store;
  repo_t repo{store};
  int pings = 0;
  const auto bus = make_bus(repo, pings);
  auto placed = bus.send(PlaceOrder{test::new_id(), "widget", 1, money{5}});
  REQUIRE(placed);
  CHECK(placed->stream_id.size() == 36);  // a UUID in text
  CHECK(placed->appended == chronicle::append_result{1, 1, 1});
  CHECK(repo.load(placed->stream_id)->state.status == order_status::pending);

  auto confirmed = bus.send(ConfirmOrder{placed->stream_id});
  REQUIRE(confirmed);
  CHECK(confirmed->stream_id == placed->stream_id);
  CHECK(confirmed->appended.version == 2);
}

TEST_CASE("commands to existing streams report not found; domain rejections come back typed") {
  store_t store;
  repo_t repo{store};
  int pings = 0;
  const auto bus = make_bus(repo, pings);
  auto missing = bus.send(ConfirmOrder{"no-such-order"});
  REQUIRE(missing.has_error());
  CHECK(std::get<chronicle::stream_not_found>(missing.error()).stream_id == "no-such-order");
  CHECK(store.head_position() == 0);

  // CancelByUuid picks its stream by a UUID member and does not insist it exists: the domain rejects it.
  auto cancel = bus.send(CancelByUuid{test::new_id(), "why not"});
  REQUIRE(cancel.has_error());
  CHECK(std::get<invalid_transition>(std::get<order_error>(cancel.error())).from == order_status::fresh);
}

TEST_CASE("a free handler route returns what the handler returns") {
  store_t store;
  repo_t repo{store};
  int pings = 0;
  const auto bus = make_bus(repo, pings);
  CHECK(bus.send(Ping{2}) == 2);
  CHECK(bus.send(Ping{3}) == 5);
}

TEST_CASE("options pass through the bus: correlation and causation ids land on the events") {
  store_t store;
  repo_t repo{store};
  int pings = 0;
  const auto bus = make_bus(repo, pings);
  chronicle::command_options options;
  options.correlation_id = test::new_id();
  auto placed = bus.send(PlaceOrder{test::new_id(), "w", 1, money{1}}, options);
  REQUIRE(placed);
  CHECK(repo.history(placed->stream_id).front().correlation_id == options.correlation_id);

  auto fresh = bus.send(PlaceOrder{test::new_id(), "w", 1, money{1}});
  REQUIRE(fresh);
  const auto first = repo.history(fresh->stream_id).front();
  CHECK(first.correlation_id == first.id);  // a new chain starts at its first event
}

}  // namespace
