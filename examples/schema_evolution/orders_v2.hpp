#pragma once
// The reference's schema change, worked through: OrderPlaced.product_id was a string in version 1 and
// becomes a structured product reference in version 2. Old events still load: an upcaster turns each
// version 1 event into version 2 on the way in, so the aggregate and projections only see version 2.
#include <chronicle/chronicle.hpp>
#include <chronicle/json/lines.hpp>

#include <boost/describe/class.hpp>
#include <boost/uuid/uuid.hpp>

#include <string>
#include <string_view>
#include <variant>

namespace evolution {

/// Version 1, kept only to read old events: the product as one string, "catalog/sku".
struct OrderPlaced_v1 {
  static constexpr std::string_view event_name = "OrderPlaced";
  boost::uuids::uuid user_id{};
  std::string product_id;
  int quantity = 0;
};
BOOST_DESCRIBE_STRUCT(OrderPlaced_v1, (), (user_id, product_id, quantity))

struct product_ref {
  std::string catalog;
  std::string sku;
  friend bool operator==(const product_ref&, const product_ref&) = default;
};
BOOST_DESCRIBE_STRUCT(product_ref, (), (catalog, sku))

/// Version 2, the current one.
struct OrderPlaced {
  static constexpr std::string_view event_name = "OrderPlaced";
  static constexpr int schema_version = 2;
  using previous_version = OrderPlaced_v1;
  boost::uuids::uuid user_id{};
  product_ref product;
  int quantity = 0;
};
BOOST_DESCRIBE_STRUCT(OrderPlaced, (), (user_id, product, quantity))

/// The one link of the chain. Old ids without a catalog go to the "main" catalog.
inline OrderPlaced upcast(OrderPlaced_v1 old) {
  const auto slash = old.product_id.find('/');
  product_ref product = slash == std::string::npos
                            ? product_ref{"main", std::move(old.product_id)}
                            : product_ref{old.product_id.substr(0, slash), old.product_id.substr(slash + 1)};
  return {old.user_id, std::move(product), old.quantity};
}

struct OrderCancelled {
  static constexpr std::string_view event_name = "OrderCancelled";
  std::string reason;
};
BOOST_DESCRIBE_STRUCT(OrderCancelled, (), (reason))

using order_event = std::variant<OrderPlaced, OrderCancelled>;

/// The state, snapshotted as JSON: its schema version says which layout a snapshot has.
struct order {
  static constexpr int schema_version = 2;
  product_ref product;
  int quantity = 0;
  bool cancelled = false;
  void apply(const OrderPlaced& e) {
    product = e.product;
    quantity = e.quantity;
  }
  void apply(const OrderCancelled&) { cancelled = true; }
};
BOOST_DESCRIBE_STRUCT(order, (), (product, quantity, cancelled))

}  // namespace evolution
