#pragma once
// Orders meet inventory: when an order is placed, a reaction reserves its stock; when stock runs
// out, the reaction cancels the order. Both aggregates share one store, so one global order.
//
// Laid out as a large domain would be: each aggregate's commands are compiled in a file of their
// own (order_commands.cpp, stock_commands.cpp, with CHRONICLE_INSTANTIATE_COMMAND), and every other
// file sends them through the declarations at the end of this header (CHRONICLE_EXTERN_COMMAND), so
// it compiles none of their load, decide and append code.
#include "orders/order.hpp"

#include <chronicle/chronicle.hpp>

#include <string>
#include <variant>

namespace shop {

using namespace orders;

// ---- the inventory aggregate: one stream per product, "stock-<product id>" ----------------------
struct StockAdded {
  static constexpr std::string_view event_name = "StockAdded";
  int quantity = 0;
};
struct StockReserved {
  static constexpr std::string_view event_name = "StockReserved";
  std::string order_id;
  int quantity = 0;
};
struct StockShortage {
  static constexpr std::string_view event_name = "StockShortage";
  std::string order_id;
  int requested = 0;
  int available = 0;
};
using inventory_event = std::variant<StockAdded, StockReserved, StockShortage>;

struct stock {
  int available = 0;
  void apply(const StockAdded& e) { available += e.quantity; }
  void apply(const StockReserved& e) { available -= e.quantity; }
  void apply(const StockShortage&) {}
};

struct AddStock {
  std::string product_id;
  int quantity = 0;
};
struct ReserveStock {
  std::string product_id;
  std::string order_id;
  int quantity = 0;
};
struct not_positive {
  int quantity = 0;
};

// Running out is a fact worth recording (an event), not a refusal: the order must hear of it.
// Defined in stock_commands.cpp: changing how stock decides rebuilds that file alone.
auto decide(const stock&, const AddStock& c) -> chronicle::decision<not_positive, StockAdded>;
auto decide(const stock& s, const ReserveStock& c) -> chronicle::decision<not_positive, StockReserved, StockShortage>;

using inventory_aggregate = chronicle::aggregate<stock, inventory_event>;

inline std::string stock_stream(std::string_view product_id) { return "stock-" + std::string(product_id); }

// ---- one store for both ------------------------------------------------------------------------
using shop_event = std::variant<OrderPlaced, OrderConfirmed, OrderShipped, OrderCancelled, StockAdded, StockReserved,
                                StockShortage>;
using shop_store = chronicle::memory_store<shop_event>;
using order_repository = chronicle::repository<order_aggregate, shop_store>;
using inventory_repository = chronicle::repository<inventory_aggregate, shop_store>;

}  // namespace shop

// Compiled in order_commands.cpp and stock_commands.cpp; declared before anything below sends them.
CHRONICLE_EXTERN_COMMAND(shop::order_repository, shop::PlaceOrder);
CHRONICLE_EXTERN_COMMAND(shop::order_repository, shop::ConfirmOrder);
CHRONICLE_EXTERN_COMMAND(shop::order_repository, shop::CancelOrder);
CHRONICLE_EXTERN_COMMAND(shop::inventory_repository, shop::AddStock);
CHRONICLE_EXTERN_COMMAND(shop::inventory_repository, shop::ReserveStock);

namespace shop {

inline auto make_command_bus(order_repository& orders, inventory_repository& inventory) {
  return chronicle::command_bus(
      chronicle::route<PlaceOrder>(orders, chronicle::new_stream),
      chronicle::route<ConfirmOrder>(orders, chronicle::existing(&ConfirmOrder::order_id)),
      chronicle::route<CancelOrder>(orders, chronicle::existing(&CancelOrder::order_id)),
      chronicle::route<AddStock>(inventory, [](const AddStock& c) { return stock_stream(c.product_id); }),
      chronicle::route<ReserveStock>(inventory, [](const ReserveStock& c) { return stock_stream(c.product_id); }));
}
using command_bus = decltype(make_command_bus(std::declval<order_repository&>(), std::declval<inventory_repository&>()));

// ---- the process manager -----------------------------------------------------------------------
/// Placed orders reserve stock; a reservation confirms the order; a shortage cancels it.
struct fulfilment {
  using handles = chronicle::events<OrderPlaced, StockReserved, StockShortage>;

  template <class Send>
  void when(const OrderPlaced& e, const chronicle::envelope& placed, Send& send) {
    (void)send(ReserveStock{e.product_id, placed.stream_id, e.quantity});
  }
  template <class Send>
  void when(const StockReserved& e, Send& send) {
    (void)send(ConfirmOrder{e.order_id});
  }
  template <class Send>
  void when(const StockShortage& e, Send& send) {
    (void)send(CancelOrder{e.order_id, "out of stock: " + std::to_string(e.available) + " left, " +
                                           std::to_string(e.requested) + " wanted"});
  }
};

}  // namespace shop
