// W1: N orders x place, confirm, ship through the full command path (load, decide, append with the
// expected version, then bring the order_summary read model up to date), N = 10,000.
// W7: the same at N = 10,000, 100,000 and 1,000,000, to see whether a command costs more as the store grows.
// W7_marginal (a diagnostic): 10,000 new orders x 3 commands on a store that already holds N orders, so
// that what a command costs at size N is not averaged with the growth from 0 to N.
#include "baseline.hpp"
#include "common.hpp"

#include <benchmark/benchmark.h>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace {

// One command and the read model's update. Not inlined, on both sides alike, so that a profiler can
// count exactly this (valgrind --tool=callgrind --toggle-collect='*_orders::execute*').
struct chronicle_orders {
  chronicle::memory_store<orders::order_event> events;
  bench::chronicle_summaries summaries;
  // order_summary inline: updated inside each append, as the W1 asks.
  chronicle::projecting_store<decltype(events), decltype(summaries.model)> store{events, summaries.model};
  chronicle::repository<orders::order_aggregate, decltype(store)> repository{store};

  template <class Command>
  [[gnu::noinline]] bool execute(std::string_view order, const Command& command) {
    return static_cast<bool>(repository.execute(order, command));
  }
};

struct baseline_orders {
  baseline::store store;
  baseline::order_handler handler{store};
  baseline::summaries summaries;

  template <class Command>
  [[gnu::noinline]] bool execute(std::string_view order, const Command& command) {
    const bool ok = static_cast<bool>(handler.execute(order, command));
    summaries.catch_up(store);
    return ok;
  }
};

template <class World>
std::size_t run_orders(World& world, const std::vector<bench::order_commands>& input) {
  std::size_t failed = 0;
  for (const auto& o : input) failed += !world.execute(o.stream, o.place);
  for (const auto& o : input) failed += !world.execute(o.stream, o.confirm);
  for (const auto& o : input) failed += !world.execute(o.stream, o.ship);
  return failed;
}

// Commands go out phase by phase (every order placed, then every order confirmed, then shipped), so
// consecutive commands touch different streams, as in a live system.
template <class World>
void orders_workload(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const auto& input = bench::orders_input(n);
  std::size_t failed = 0;
  bool consistent = true;
  for (auto _ : state) {
    state.PauseTiming();
    auto world = std::make_unique<World>();
    state.ResumeTiming();
    failed += run_orders(*world, input);
    state.PauseTiming();
    consistent = consistent && bench::all_shipped_in(world->summaries, n);
    world.reset();
    state.ResumeTiming();
  }
  const double commands = 3.0 * static_cast<double>(n) * static_cast<double>(state.iterations());
  state.counters["commands_per_second"] = benchmark::Counter(commands, benchmark::Counter::kIsRate);
  state.counters["seconds_per_command"] =
      benchmark::Counter(commands, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  if (failed != 0) state.SkipWithError("a command was refused");
  if (!consistent) state.SkipWithError("the order_summary read model is not what the commands imply");
}

template <class World>
void marginal_workload(benchmark::State& state) {
  constexpr std::size_t fresh_orders = 10'000;
  const auto stored = static_cast<std::size_t>(state.range(0));
  const auto& before = bench::orders_input(stored);
  const auto& fresh = bench::orders_input(fresh_orders, 4242);  // other ids than `before`
  std::size_t failed = 0;
  bool consistent = true;
  for (auto _ : state) {
    state.PauseTiming();
    auto world = std::make_unique<World>();
    failed += run_orders(*world, before);
    state.ResumeTiming();
    failed += run_orders(*world, fresh);
    state.PauseTiming();
    consistent = consistent && bench::all_shipped_in(world->summaries, stored + fresh_orders);
    world.reset();
    state.ResumeTiming();
  }
  const double commands = 3.0 * fresh_orders * static_cast<double>(state.iterations());
  state.counters["seconds_per_command"] =
      benchmark::Counter(commands, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  if (failed != 0) state.SkipWithError("a command was refused");
  if (!consistent) state.SkipWithError("the order_summary read model is not what the commands imply");
}

[[maybe_unused]] const bool registered = [] {
  benchmark::RegisterBenchmark("W1_commands/chronicle", orders_workload<chronicle_orders>)
      ->Arg(10'000)->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("W1_commands/baseline", orders_workload<baseline_orders>)
      ->Arg(10'000)->Unit(benchmark::kMillisecond);
  for (const long n : {10'000L, 100'000L, 1'000'000L}) {
    benchmark::RegisterBenchmark("W7_scaling/chronicle", orders_workload<chronicle_orders>)
        ->Arg(n)->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark("W7_scaling/baseline", orders_workload<baseline_orders>)
        ->Arg(n)->Unit(benchmark::kMillisecond);
  }
  for (const long n : {10'000L, 1'000'000L}) {
    benchmark::RegisterBenchmark("W7_marginal/chronicle", marginal_workload<chronicle_orders>)
        ->Arg(n)->Iterations(n > 100'000 ? 1 : 10)->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark("W7_marginal/baseline", marginal_workload<baseline_orders>)
        ->Arg(n)->Iterations(n > 100'000 ? 1 : 10)->Unit(benchmark::kMillisecond);
  }
  return true;
}();

}  // namespace
