#pragma once
// The per-user order list as a PostgreSQL table, kept by a projector process of its own: any number
// of service processes query it, and each waits for the projector's checkpoint to pass its own
// command (read-your-writes across processes).
#include "order.hpp"

#include <chronicle/postgres.hpp>

#include <boost/uuid/uuid_io.hpp>

#include <string>

namespace orders {

struct user_order_rows {
  using handles = chronicle::events<OrderPlaced, OrderConfirmed, OrderShipped, OrderCancelled>;
  static constexpr std::string_view name = "user_order_rows";
  static void create(chronicle::postgres_writer& w) {
    w.execute("CREATE TABLE IF NOT EXISTS user_orders (order_id text PRIMARY KEY, user_id uuid NOT NULL, "
              "status text NOT NULL, total_cents bigint NOT NULL)");
  }
  static void clear(chronicle::postgres_writer& w) { w.execute("DELETE FROM user_orders"); }
  void when(const OrderPlaced& e, const chronicle::envelope& meta, chronicle::postgres_writer& w) {
    w.execute("INSERT INTO user_orders VALUES ($1, $2, 'pending', $3) ON CONFLICT DO NOTHING",
              std::string_view(meta.stream_id), e.user_id, (e.unit_price * e.quantity).cents);
  }
  void when(const OrderConfirmed&, const chronicle::envelope& meta, chronicle::postgres_writer& w) { set(w, meta, "confirmed"); }
  void when(const OrderShipped&, const chronicle::envelope& meta, chronicle::postgres_writer& w) { set(w, meta, "shipped"); }
  void when(const OrderCancelled&, const chronicle::envelope& meta, chronicle::postgres_writer& w) { set(w, meta, "cancelled"); }

 private:
  static void set(chronicle::postgres_writer& w, const chronicle::envelope& meta, std::string_view status) {
    w.execute("UPDATE user_orders SET status = $2 WHERE order_id = $1", std::string_view(meta.stream_id), status);
  }
};

}  // namespace orders
