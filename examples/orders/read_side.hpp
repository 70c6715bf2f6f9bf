#pragma once
// The reference's read side: order_summary, a per-user order list with a status filter, and a
// per-user count; each a projection, each queried through the query bus.
#include "order.hpp"

#include <boost/container_hash/hash.hpp>
#include <boost/unordered/unordered_flat_map.hpp>
#include <boost/uuid/uuid_hash.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace orders {

struct order_summary_row {
  std::string id;
  order_status status = order_status::pending;
  int quantity = 0;
  boost::uuids::uuid user_id{};
  money total;
  friend bool operator==(const order_summary_row&, const order_summary_row&) = default;
};

/// One row per order, kept current by every order event.
struct order_summary {
  using handles = chronicle::events<OrderPlaced, OrderConfirmed, OrderShipped, OrderCancelled>;

  boost::unordered_flat_map<std::string, order_summary_row> rows;

  void when(const OrderPlaced& e, const chronicle::envelope& meta) {
    rows.try_emplace(meta.stream_id, order_summary_row{meta.stream_id, order_status::pending, e.quantity, e.user_id,
                                                       e.unit_price * e.quantity});
  }
  void when(const OrderConfirmed&, const chronicle::envelope& meta) { set(meta, order_status::confirmed); }
  void when(const OrderShipped&, const chronicle::envelope& meta) { set(meta, order_status::shipped); }
  void when(const OrderCancelled&, const chronicle::envelope& meta) { set(meta, order_status::cancelled); }

 private:
  void set(const chronicle::envelope& meta, order_status status) {
    if (auto it = rows.find(meta.stream_id); it != rows.end()) it->second.status = status;
  }
};

struct user_order {
  std::string id;
  order_status status = order_status::pending;
  money total;
  chronicle::clock::time_point created_at{};
};

/// Each user's orders, newest last, for listing with an optional status filter.
struct user_orders {
  using handles = chronicle::events<OrderPlaced, OrderConfirmed, OrderShipped, OrderCancelled>;

  boost::unordered_flat_map<boost::uuids::uuid, std::vector<user_order>, boost::hash<boost::uuids::uuid>> by_user;

  void when(const OrderPlaced& e, const chronicle::envelope& meta) {
    auto& list = by_user[e.user_id];
    where[meta.stream_id] = {e.user_id, list.size()};
    list.push_back({meta.stream_id, order_status::pending, e.unit_price * e.quantity, meta.recorded_at});
  }
  void when(const OrderConfirmed&, const chronicle::envelope& meta) { set(meta, order_status::confirmed); }
  void when(const OrderShipped&, const chronicle::envelope& meta) { set(meta, order_status::shipped); }
  void when(const OrderCancelled&, const chronicle::envelope& meta) { set(meta, order_status::cancelled); }

 private:
  struct slot {
    boost::uuids::uuid user;
    std::size_t index;
  };
  boost::unordered_flat_map<std::string, slot> where;  // order id -> its entry

  void set(const chronicle::envelope& meta, order_status status) {
    if (auto it = where.find(meta.stream_id); it != where.end()) by_user[it->second.user][it->second.index].status = status;
  }
};

/// How many orders each user placed.
struct user_order_count {
  using handles = chronicle::events<OrderPlaced>;
  boost::unordered_flat_map<boost::uuids::uuid, std::size_t, boost::hash<boost::uuids::uuid>> counts;
  void when(const OrderPlaced& e) { ++counts[e.user_id]; }
};

// ---- queries ------------------------------------------------------------------------------------
struct GetOrderSummary {
  std::string order_id;
};
struct ListUserOrders {
  boost::uuids::uuid user_id{};
  std::optional<order_status> status;
};
struct CountUserOrders {
  boost::uuids::uuid user_id{};
};

inline std::optional<order_summary_row> get_order_summary(const order_summary& model, const GetOrderSummary& q) {
  if (auto it = model.rows.find(q.order_id); it != model.rows.end()) return it->second;
  return std::nullopt;
}

inline std::vector<user_order> list_user_orders(const user_orders& model, const ListUserOrders& q) {
  std::vector<user_order> out;
  if (auto it = model.by_user.find(q.user_id); it != model.by_user.end())
    for (const auto& o : it->second)
      if (!q.status || o.status == *q.status) out.push_back(o);
  return out;
}

inline std::size_t count_user_orders(const user_order_count& model, const CountUserOrders& q) {
  auto it = model.counts.find(q.user_id);
  return it == model.counts.end() ? 0 : it->second;
}

/// The order system's read models.
struct read_side {
  chronicle::read_model<order_summary> summaries;
  chronicle::read_model<user_orders> lists;
  chronicle::read_model<user_order_count> counts;
};

/// The query bus over them: the reference's get_order_summary and list_user_orders, and a count.
inline auto make_query_bus(const read_side& models) {
  return chronicle::query_bus(chronicle::answer<GetOrderSummary>(models.summaries, &get_order_summary),
                              chronicle::answer<ListUserOrders>(models.lists, &list_user_orders),
                              chronicle::answer<CountUserOrders>(models.counts, &count_user_orders));
}

}  // namespace orders
