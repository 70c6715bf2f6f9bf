#pragma once
// The Order domain of the reference: place, confirm, ship, cancel, with the same state rules.
// Shared by the example program, the tests and the benchmarks.
#include <chronicle/chronicle.hpp>

#include <boost/describe/class.hpp>
#include <boost/uuid/uuid.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace orders {

/// Money in cents: exact arithmetic, no floating point.
struct money {
  std::int64_t cents = 0;
  friend constexpr money operator*(money m, int quantity) { return {m.cents * quantity}; }
  friend constexpr bool operator==(money, money) = default;
};

// ---- events -------------------------------------------------------------------------------------
struct OrderPlaced {
  static constexpr std::string_view event_name = "OrderPlaced";
  boost::uuids::uuid user_id{};
  std::string product_id;
  int quantity = 0;
  money unit_price;
  friend bool operator==(const OrderPlaced&, const OrderPlaced&) = default;
};
struct OrderConfirmed {
  static constexpr std::string_view event_name = "OrderConfirmed";
  friend bool operator==(const OrderConfirmed&, const OrderConfirmed&) = default;
};
struct OrderShipped {
  static constexpr std::string_view event_name = "OrderShipped";
  std::string tracking;
  friend bool operator==(const OrderShipped&, const OrderShipped&) = default;
};
struct OrderCancelled {
  static constexpr std::string_view event_name = "OrderCancelled";
  std::string reason;
  friend bool operator==(const OrderCancelled&, const OrderCancelled&) = default;
};
using order_event = std::variant<OrderPlaced, OrderConfirmed, OrderShipped, OrderCancelled>;

// Described for the JSON codec, so the orders can live in a SQLite file (orders --sqlite FILE).
BOOST_DESCRIBE_STRUCT(money, (), (cents))
BOOST_DESCRIBE_STRUCT(OrderPlaced, (), (user_id, product_id, quantity, unit_price))
BOOST_DESCRIBE_STRUCT(OrderConfirmed, (), ())
BOOST_DESCRIBE_STRUCT(OrderShipped, (), (tracking))
BOOST_DESCRIBE_STRUCT(OrderCancelled, (), (reason))

// ---- state --------------------------------------------------------------------------------------
enum class order_status { fresh, pending, confirmed, shipped, cancelled };

constexpr std::string_view to_string(order_status s) {
  switch (s) {
    case order_status::fresh: return "new";
    case order_status::pending: return "pending";
    case order_status::confirmed: return "confirmed";
    case order_status::shipped: return "shipped";
    case order_status::cancelled: return "cancelled";
  }
  return "?";
}

struct order {
  order_status status = order_status::fresh;
  boost::uuids::uuid user_id{};
  std::string product_id;
  int quantity = 0;
  money total;
  std::string tracking;

  void apply(const OrderPlaced& e) {
    status = order_status::pending;
    user_id = e.user_id;
    product_id = e.product_id;
    quantity = e.quantity;
    total = e.unit_price * e.quantity;
  }
  void apply(const OrderConfirmed&) { status = order_status::confirmed; }
  void apply(const OrderShipped& e) {
    status = order_status::shipped;
    tracking = e.tracking;
  }
  void apply(const OrderCancelled&) { status = order_status::cancelled; }
};

// ---- commands and domain errors -------------------------------------------------------------------
struct PlaceOrder {
  boost::uuids::uuid user_id{};
  std::string product_id;
  int quantity = 0;
  money unit_price;
};
// Like the reference's commands, those to an existing order name it; the bus routes by that id.
struct ConfirmOrder {
  std::string order_id;
};
struct ShipOrder {
  std::string order_id;
  std::string tracking;
};
struct CancelOrder {
  std::string order_id;
  std::string reason;
};

/// The reference's InvalidStateTransitionError.
struct invalid_transition {
  order_status from;
  order_status to;
};
struct invalid_quantity {
  int quantity;
};
using order_error = std::variant<invalid_transition, invalid_quantity>;

inline std::string describe(const order_error& e) {
  if (const auto* t = std::get_if<invalid_transition>(&e))
    return "cannot go from " + std::string(to_string(t->from)) + " to " + std::string(to_string(t->to));
  return "quantity must be positive, not " + std::to_string(std::get<invalid_quantity>(e).quantity);
}

inline auto decide(const order& s, const PlaceOrder& c) -> chronicle::decision<order_error, OrderPlaced> {
  if (s.status != order_status::fresh) return invalid_transition{s.status, order_status::pending};
  if (c.quantity <= 0) return invalid_quantity{c.quantity};
  return OrderPlaced{c.user_id, c.product_id, c.quantity, c.unit_price};
}

inline auto decide(const order& s, const ConfirmOrder&) -> chronicle::decision<order_error, OrderConfirmed> {
  if (s.status != order_status::pending) return invalid_transition{s.status, order_status::confirmed};
  return OrderConfirmed{};
}

inline auto decide(const order& s, const ShipOrder& c) -> chronicle::decision<order_error, OrderShipped> {
  if (s.status != order_status::confirmed) return invalid_transition{s.status, order_status::shipped};
  return OrderShipped{c.tracking};
}

inline auto decide(const order& s, const CancelOrder& c) -> chronicle::decision<order_error, OrderCancelled> {
  if (s.status != order_status::pending && s.status != order_status::confirmed)
    return invalid_transition{s.status, order_status::cancelled};
  return OrderCancelled{c.reason};
}

using order_aggregate = chronicle::aggregate<order, order_event, chronicle::snapshot_every<100>>;

}  // namespace orders
