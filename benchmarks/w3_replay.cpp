// W3: 1,000,002 stored events (333,334 orders x placed, confirmed, shipped, each order's events one after
// another) replayed from the start of the global log into a fresh order_summary read model.
// W3_scan: the same replay into a count per event type instead of a read model, which separates the
// store's share of W3 (reading the log, dispatching on the event type) from the read model's.
#include "baseline.hpp"
#include "common.hpp"

#include <benchmark/benchmark.h>

#include <cstddef>
#include <memory>

namespace {

constexpr std::size_t order_count = 333'334;
constexpr std::size_t event_count = 3 * order_count;

struct chronicle_log {
  chronicle::memory_store<orders::order_event> store;
  chronicle_log() {
    using chronicle::expected_version;
    for (const auto& o : bench::orders_input(order_count)) {
      const auto& p = o.place;
      (void)store.append(o.stream, expected_version::no_stream(),
                         {{orders::OrderPlaced{p.user_id, p.product_id, p.quantity, p.unit_price}}});
      (void)store.append(o.stream, expected_version::exact(1), {{orders::OrderConfirmed{}}});
      (void)store.append(o.stream, expected_version::exact(2), {{orders::OrderShipped{o.ship.tracking}}});
    }
  }
};

struct baseline_log {
  baseline::store store;
  baseline_log() {
    using baseline::event_kind;
    for (const auto& o : bench::orders_input(order_count)) {
      const auto& p = o.place;
      baseline::pending placed{{event_kind::order_placed, p.quantity, p.unit_price.cents, p.user_id, p.product_id}};
      baseline::pending confirmed{{event_kind::order_confirmed, 0, 0, {}, {}}};
      baseline::pending shipped{{event_kind::order_shipped, 0, 0, {}, o.ship.tracking}};
      (void)store.append(o.stream, 0, std::span(&placed, 1));
      (void)store.append(o.stream, 1, std::span(&confirmed, 1));
      (void)store.append(o.stream, 2, std::span(&shipped, 1));
    }
  }
};

// Filled on first use and shared by W3_replay and W3_scan.
template <class Log>
const Log& stored() {
  static const Log log;
  return log;
}

template <class Log, class ReadModel>
void replay(benchmark::State& state) {
  const Log& log = stored<Log>();
  bool complete = true;
  for (auto _ : state) {
    state.PauseTiming();
    auto model = std::make_unique<ReadModel>();
    state.ResumeTiming();
    model->catch_up(log.store);
    state.PauseTiming();
    complete = complete && bench::checkpoint_of(*model) == event_count && bench::all_shipped_in(*model, order_count);
    model.reset();
    state.ResumeTiming();
  }
  state.counters["events_per_second"] = benchmark::Counter(
      static_cast<double>(event_count) * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  if (!complete) state.SkipWithError("the replay did not build the expected read model");
}

struct type_counts {
  std::size_t placed = 0, confirmed = 0, shipped = 0, cancelled = 0;
  void operator()(const orders::OrderPlaced&) { ++placed; }
  void operator()(const orders::OrderConfirmed&) { ++confirmed; }
  void operator()(const orders::OrderShipped&) { ++shipped; }
  void operator()(const orders::OrderCancelled&) { ++cancelled; }
  void count(baseline::event_kind kind) {
    switch (kind) {
      case baseline::event_kind::order_placed: ++placed; break;
      case baseline::event_kind::order_confirmed: ++confirmed; break;
      case baseline::event_kind::order_shipped: ++shipped; break;
      case baseline::event_kind::order_cancelled: ++cancelled; break;
      case baseline::event_kind::order_note_added: break;
    }
  }
  [[nodiscard]] bool complete() const {
    return placed == order_count && confirmed == order_count && shipped == order_count && cancelled == 0;
  }
};

type_counts count_types(const chronicle_log& log) {
  type_counts counts;
  log.store.read_all(1, [&](const auto& r) { chronicle::visit_event(r.event, counts); });
  return counts;
}
type_counts count_types(const baseline_log& log) {
  type_counts counts;
  log.store.read_all(1, [&](const std::string&, const baseline::record& r) { counts.count(r.payload.kind); });
  return counts;
}

template <class Log>
void scan(benchmark::State& state) {
  const Log& log = stored<Log>();
  bool complete = true;
  for (auto _ : state) {
    auto counts = count_types(log);
    benchmark::DoNotOptimize(counts);
    complete = complete && counts.complete();
  }
  state.counters["events_per_second"] = benchmark::Counter(
      static_cast<double>(event_count) * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  if (!complete) state.SkipWithError("the scan did not count every event");
}

[[maybe_unused]] const bool registered = [] {
  benchmark::RegisterBenchmark("W3_replay/chronicle", replay<chronicle_log, bench::chronicle_summaries>)
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("W3_replay/baseline", replay<baseline_log, baseline::summaries>)
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("W3_scan/chronicle", scan<chronicle_log>)->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("W3_scan/baseline", scan<baseline_log>)->Unit(benchmark::kMillisecond);
  return true;
}();

}  // namespace
