#pragma once
// What both sides of every workload share: the inputs (stream ids, commands), the note event of W2,
// and the order_summary read model. Only the code that differs lives in chronicle_*.cpp or baseline.hpp.
#include <orders/order.hpp>

#include <boost/unordered/unordered_flat_map.hpp>
#include <boost/uuid/random_generator.hpp>
#include <boost/uuid/uuid_io.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace bench {

// ---- inputs ----------------------------------------------------------------------------------------

/// Reproducible random UUIDs: the same stream ids and users in every run and on both sides.
class seeded_uuids {
 public:
  explicit seeded_uuids(std::uint32_t seed) : engine_(seed) {}
  seeded_uuids(const seeded_uuids&) = delete;
  seeded_uuids& operator=(const seeded_uuids&) = delete;
  boost::uuids::uuid operator()() { return generate_(); }

 private:
  std::mt19937 engine_;
  boost::uuids::basic_random_generator<std::mt19937> generate_{engine_};
};

/// The commands of one order, as a client would send them.
struct order_commands {
  std::string stream;  // the order id as text, as in examples/orders (36 characters)
  orders::PlaceOrder place;
  orders::ConfirmOrder confirm;
  orders::ShipOrder ship;
};

/// `n` orders with their commands; built once per size and seed, and reused by both sides.
inline const std::vector<order_commands>& orders_input(std::size_t n, std::uint32_t seed = 42) {
  static std::deque<std::pair<std::uint32_t, std::vector<order_commands>>> cache;  // references stay valid
  for (const auto& [built_seed, built] : cache)
    if (built_seed == seed && built.size() == n) return built;
  auto make_id = seeded_uuids(seed);
  std::vector<order_commands> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    order_commands c;
    c.stream = boost::uuids::to_string(make_id());
    c.place.user_id = make_id();
    c.place.product_id = "sku-" + std::to_string(i % 1000);
    c.place.quantity = static_cast<int>(1 + i % 5);
    c.place.unit_price = orders::money{1999};
    c.ship.tracking = "1Z" + std::to_string(100000000000000000ULL + i);  // UPS-style, 20 characters
    // Commands to an existing order may name it (for a command bus to route by); fill it if they do.
    if constexpr (requires { c.confirm.order_id; }) c.confirm.order_id = c.stream;
    if constexpr (requires { c.ship.order_id; }) c.ship.order_id = c.stream;
    out.push_back(std::move(c));
  }
  cache.emplace_back(seed, std::move(out));
  return cache.back().second;
}

// ---- W2's stream: an order with many notes ----------------------------------------------------------

struct OrderNoteAdded {
  static constexpr std::string_view event_name = "OrderNoteAdded";
  std::string text;
};
using noted_event = std::variant<orders::OrderPlaced, orders::OrderConfirmed, orders::OrderShipped,
                                 orders::OrderCancelled, OrderNoteAdded>;

/// The order state plus what a note changes: the count (a rule might cap it); the text is for readers.
struct noted_order : orders::order {
  using orders::order::apply;
  std::size_t notes = 0;
  void apply(const OrderNoteAdded&) { ++notes; }
};

struct AddNote {
  std::string text;
};
inline auto decide(const noted_order& s, const AddNote& c) -> chronicle::decision<orders::order_error, OrderNoteAdded> {
  if (s.status == orders::order_status::fresh) return orders::invalid_transition{s.status, s.status};
  return OrderNoteAdded{c.text};
}

using noted_aggregate = chronicle::aggregate<noted_order, noted_event>;
using noted_snapshot_aggregate = chronicle::aggregate<noted_order, noted_event, chronicle::snapshot_every<100>>;

inline constexpr std::size_t w2_events = 10'000;
inline std::string note_text(std::size_t i) { return "note " + std::to_string(i) + ": customer asked for gift wrap"; }

// ---- the order_summary read model (W1, W3) ----------------------------------------------------------

/// One row per order, as a list or dashboard query would show it.
struct order_summary {
  orders::order_status status = orders::order_status::fresh;
  int quantity = 0;
  std::int64_t total_cents = 0;
  std::string tracking;
  std::uint64_t version = 0;
  std::chrono::system_clock::time_point updated_at{};
};

// std::hash (8 bytes a step) rather than boost::hash (4 bytes a step): what an expert picks for a
// read model keyed by 36-character order ids, where hashing is most of the cost of a row update.
struct string_hash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};
struct string_equal {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const noexcept { return a == b; }
};
using summary_map = boost::unordered_flat_map<std::string, order_summary, string_hash, string_equal>;

inline order_summary& row_for(summary_map& rows, std::string_view order) {
  auto it = rows.find(order);
  if (it == rows.end()) it = rows.emplace(std::string(order), order_summary{}).first;
  return it->second;
}

// The chronicle side of the read model: a chronicle projection in a chronicle::read_model, fed inline
// through a projecting_store (W1) or by catch_up from position 0 (W3). The baseline's counterpart is
// baseline::summaries.
inline void project(order_summary& row, const orders::OrderPlaced& e) {
  row.status = orders::order_status::pending;
  row.quantity = e.quantity;
  row.total_cents = e.unit_price.cents * e.quantity;
}
inline void project(order_summary& row, const orders::OrderConfirmed&) { row.status = orders::order_status::confirmed; }
inline void project(order_summary& row, const orders::OrderShipped& e) {
  row.status = orders::order_status::shipped;
  row.tracking = e.tracking;
}
inline void project(order_summary& row, const orders::OrderCancelled&) { row.status = orders::order_status::cancelled; }

struct summary_projection {
  using handles =
      chronicle::events<orders::OrderPlaced, orders::OrderConfirmed, orders::OrderShipped, orders::OrderCancelled>;
  summary_map rows;
  template <class Event>
  void when(const Event& e, const chronicle::envelope& meta) {
    order_summary& row = row_for(rows, meta.stream_id);
    project(row, e);
    row.version = meta.version;
    row.updated_at = meta.recorded_at;
  }
};

struct chronicle_summaries {
  chronicle::read_model<summary_projection> model;
  template <class Store>
  void catch_up(const Store& store) {
    model.catch_up(store);
  }
};

/// Whether a read model of `n` orders shows every one shipped at version 3 (checked outside the timing).
inline bool all_shipped(const summary_map& rows, std::size_t n);
template <class Summaries>
bool all_shipped_in(const Summaries& summaries, std::size_t n) {
  if constexpr (requires { summaries.model; })
    return summaries.model.read([n](const summary_projection& p) { return all_shipped(p.rows, n); });
  else
    return all_shipped(summaries.rows, n);
}
template <class Summaries>
std::uint64_t checkpoint_of(const Summaries& summaries) {
  if constexpr (requires { summaries.model; })
    return summaries.model.checkpoint();
  else
    return summaries.checkpoint;
}
inline bool all_shipped(const summary_map& rows, std::size_t n) {
  if (rows.size() != n) return false;
  for (const auto& [order, row] : rows)
    if (row.status != orders::order_status::shipped || row.version != 3 || row.tracking.empty()) return false;
  return true;
}

}  // namespace bench
