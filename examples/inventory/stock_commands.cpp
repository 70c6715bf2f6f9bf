// The inventory aggregate: its decisions and its commands, compiled once for the program. Changing
// how stock decides rebuilds this file alone; the files that send these commands only call them.
#include "inventory.hpp"

namespace shop {

auto decide(const stock&, const AddStock& c) -> chronicle::decision<not_positive, StockAdded> {
  if (c.quantity <= 0) return not_positive{c.quantity};
  return StockAdded{c.quantity};
}
auto decide(const stock& s, const ReserveStock& c)
    -> chronicle::decision<not_positive, StockReserved, StockShortage> {
  if (c.quantity <= 0) return not_positive{c.quantity};
  if (c.quantity > s.available) return StockShortage{c.order_id, c.quantity, s.available};
  return StockReserved{c.order_id, c.quantity};
}

}  // namespace shop

CHRONICLE_INSTANTIATE_COMMAND(shop::inventory_repository, shop::AddStock);
CHRONICLE_INSTANTIATE_COMMAND(shop::inventory_repository, shop::ReserveStock);
