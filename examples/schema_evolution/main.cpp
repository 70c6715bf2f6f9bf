// Loads a dump written before OrderPlaced changed shape (examples/schema_evolution/legacy_dump.jsonl),
// upcasting its version 1 events, then shows the orders as the current code sees them and writes the
// store back out, every event now at its current version.
//
// Usage: schema_evolution [dump.jsonl]
#include "orders_v2.hpp"

#include <fstream>
#include <iostream>

using namespace evolution;

int main(int argc, char** argv) {
  const std::string path = argc > 1 ? argv[1] : CHRONICLE_LEGACY_DUMP;
  std::ifstream dump(path);
  chronicle::memory_store<order_event> store;
  const auto imported = chronicle::import_json_lines(dump, store);
  if (!imported) {
    std::cerr << "import failed: " << chronicle::describe(imported.error()) << '\n';
    return 1;
  }
  std::cout << "imported " << *imported << " events from " << path << "\n\n";

  chronicle::repository<chronicle::aggregate<order, order_event>, decltype(store)> orders{store};
  for (const char* id : {"order-1", "order-2", "order-3"}) {
    const auto o = orders.load(id).value().state;
    std::cout << id << ": " << o.quantity << " x " << o.product.catalog << " / " << o.product.sku
              << (o.cancelled ? " (cancelled)" : "") << '\n';
  }

  std::cout << "\nthe store as JSON Lines, every event at its current version:\n";
  chronicle::export_json_lines(store, std::cout);
  return 0;
}
