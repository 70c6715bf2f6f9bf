// The Order system of the reference, on chronicle: place, confirm and ship an order, try to cancel it
// once shipped, then print its audit trail and its state at an earlier version.
#include "order.hpp"

#include <boost/uuid/random_generator.hpp>
#include <boost/uuid/uuid_io.hpp>

#include <cstdlib>
#include <iostream>

using namespace orders;

namespace {

template <class Result>
void report(std::string_view what, const Result& r) {
  if (r) {
    std::cout << "  " << what << ": ok, stream version " << r->version << ", global position " << r->position
              << '\n';
    return;
  }
  std::visit(
      [&](const auto& error) {
        if constexpr (std::is_same_v<std::decay_t<decltype(error)>, order_error>)
          std::cout << "  " << what << ": rejected: " << describe(error) << '\n';
        else
          std::cout << "  " << what << ": failed: " << chronicle::describe(error) << '\n';
      },
      r.error());
}

void print_state(const chronicle::loaded<order>& o) {
  std::cout << "  status " << to_string(o.state.status) << ", quantity " << o.state.quantity << ", total "
            << o.state.total.cents / 100 << '.' << (o.state.total.cents % 100) / 10 << o.state.total.cents % 10
            << ", at version " << o.version << '\n';
}

}  // namespace

int main() {
  chronicle::memory_store<order_event> store;
  chronicle::repository<order_aggregate, decltype(store)> orders{store};

  boost::uuids::random_generator make_id;
  const std::string order_id = boost::uuids::to_string(make_id());
  const auto user_id = make_id();

  std::cout << "order " << order_id << '\n';
  report("place", orders.execute(order_id, PlaceOrder{user_id, "widget-42", 2, money{1999}}));
  report("confirm", orders.execute(order_id, ConfirmOrder{}));
  // Retry a conflict up to 3 times, and tag the recorded events with a correlation id.
  const chronicle::command_options traced{.max_retries = 3, .correlation_id = make_id(), .causation_id = {}};
  report("ship", orders.execute(order_id, ShipOrder{"TRACK-ABC"}, traced));
  report("cancel", orders.execute(order_id, CancelOrder{"changed my mind"}));  // too late: rejected

  std::cout << "\naudit trail\n";
  for (const auto& e : orders.history(order_id)) {
    std::cout << "  v" << e.version << "  #" << e.position << "  " << e.type() << "  id "
              << boost::uuids::to_string(e.id) << '\n';
  }

  std::cout << "\ncurrent state\n";
  print_state(orders.load(order_id));
  std::cout << "state at version 1\n";
  print_state(orders.load_at_version(order_id, 1).value());
  return EXIT_SUCCESS;
}
