// Orders and inventory, joined by a reaction: placing an order reserves stock, and an order that
// cannot be served is cancelled. Prints each order's causal chain, from the command to the last event.
#include "inventory.hpp"

#include <boost/uuid/uuid_io.hpp>

#include <iostream>
#include <map>

using namespace shop;

namespace {

// Walks the events that share `correlation`, printing each under the event that caused it.
void print_chain(const shop_store& store, chronicle::event_id correlation) {
  std::map<chronicle::event_id, int> depth;
  store.read_all(1, [&](const chronicle::recorded_event<shop_event>& e) {
    if (e.correlation_id != correlation) return;
    const int d = e.causation_id.is_nil() ? 0 : depth[e.causation_id] + 1;
    depth[e.id] = d;
    std::cout << "  " << std::string(2 * static_cast<std::size_t>(d), ' ') << e.type() << "  (" << e.stream_id
              << " v" << e.version << ", position " << e.position << ")\n";
  });
}

}  // namespace

int main() {
  shop_store store;
  order_repository orders{store};
  inventory_repository inventory{store};
  const auto commands = make_command_bus(orders, inventory);
  chronicle::reactor<fulfilment, command_bus> reactions{commands};
  chronicle::subscription<shop_store, decltype(reactions)> running{store, reactions};
  running.start();

  if (!commands.send(AddStock{"widget", 3})) return 1;
  const auto customer = boost::uuids::uuid{};
  for (int quantity : {2, 2}) {
    auto placed = commands.send(PlaceOrder{customer, "widget", quantity, money{500}});
    if (!placed) return 1;
    // Wait until the reaction has handled everything written so far, then show what followed.
    while (!reactions.failure() && reactions.checkpoint() < store.head_position())
      (void)reactions.wait_for(store.head_position(), std::chrono::seconds(1));
    const auto first = orders.history(placed->stream_id).front();
    std::cout << "order of " << quantity << " widgets: "
              << to_string(orders.load(placed->stream_id).value().state.status) << '\n';
    print_chain(store, first.correlation_id);
  }
  running.stop();
  return reactions.failure() ? 1 : 0;
}
