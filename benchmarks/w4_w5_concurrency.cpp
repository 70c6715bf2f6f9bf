// W4: two threads append to one stream with the same expected version, 1,000 rounds: every round must
// have exactly one winner, and the stream must end with versions 1..1,000, none twice.
// W5: appends to distinct streams from 1, 2, 4 and 8 threads; each thread appends 100,000 events round
// robin to 1,000 streams of its own, so the 2-thread run does twice the work of the 1-thread run.
#include "baseline.hpp"
#include "common.hpp"

#include <benchmark/benchmark.h>

#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <algorithm>
#include <array>
#include <atomic>
#include <barrier>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <latch>
#include <memory>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

namespace {

using noted_store = chronicle::memory_store<bench::noted_event>;

// ---- W4 ------------------------------------------------------------------------------------------------

constexpr std::size_t rounds = 1'000;

// Appends one note as thread `t` in round `r` (the stream is at version r); true if it won.
bool contend(noted_store& store, const std::string& stream, std::size_t t, std::size_t r) {
  auto appended = store.append(stream, chronicle::expected_version::exact(r),
                               {{bench::OrderNoteAdded{t == 0 ? "first" : "second"}}});
  return static_cast<bool>(appended);
}
bool contend(baseline::store& store, const std::string& stream, std::size_t t, std::size_t r) {
  baseline::pending note{{baseline::event_kind::order_note_added, 0, 0, {}, t == 0 ? "first" : "second"}};
  return store.append(stream, r, std::span(&note, 1)).result == baseline::status::ok;
}

std::vector<std::uint64_t> versions_of(const noted_store& store, const std::string& stream) {
  std::vector<std::uint64_t> v;
  store.read_stream(stream, 1, [&](const auto& r) { v.push_back(r.version); });
  return v;
}
std::vector<std::uint64_t> versions_of(const baseline::store& store, const std::string& stream) {
  std::vector<std::uint64_t> v;
  store.read_stream(stream, 1, [&](const baseline::record& r) {
    v.push_back(r.version);
    return true;
  });
  return v;
}

template <class Store>
void one_winner(benchmark::State& state) {
  const std::string stream = "order-contended";
  double all_rounds = 0, one_winner_rounds = 0, duplicate_versions = 0, missing_versions = 0;
  for (auto _ : state) {
    auto store = std::make_unique<Store>();
    std::array<std::vector<char>, 2> won{std::vector<char>(rounds), std::vector<char>(rounds)};
    std::barrier start_round(2);
    auto contender = [&](std::size_t t) {
      for (std::size_t r = 0; r < rounds; ++r) {
        start_round.arrive_and_wait();
        won[t][r] = contend(*store, stream, t, r);
      }
    };
    const auto started = std::chrono::steady_clock::now();
    std::thread second(contender, 1);
    contender(0);
    second.join();
    state.SetIterationTime(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());

    all_rounds += rounds;
    for (std::size_t r = 0; r < rounds; ++r) one_winner_rounds += (won[0][r] + won[1][r]) == 1;
    auto versions = versions_of(*store, stream);
    std::sort(versions.begin(), versions.end());
    duplicate_versions += static_cast<double>(versions.end() - std::unique(versions.begin(), versions.end()));
    versions.erase(std::unique(versions.begin(), versions.end()), versions.end());
    missing_versions += static_cast<double>(rounds - versions.size());
  }
  state.counters["rounds"] = all_rounds;
  state.counters["one_winner_rounds"] = one_winner_rounds;
  state.counters["duplicate_versions"] = duplicate_versions;
  state.counters["missing_versions"] = missing_versions;
  state.counters["seconds_per_round"] =
      benchmark::Counter(all_rounds, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

// ---- W5 ------------------------------------------------------------------------------------------------

constexpr std::size_t streams_per_thread = 1'000;
constexpr std::size_t appends_per_thread = 100'000;

// What one thread appends: its streams, and the events with ids chosen beforehand (outside the timing).
template <class Pending>
struct thread_input {
  std::vector<std::string> streams;
  std::vector<Pending> events;
};

template <class Pending>
thread_input<Pending> make_input(std::size_t thread, std::uint32_t seed) {
  bench::seeded_uuids make_id(seed);
  thread_input<Pending> in;
  for (std::size_t s = 0; s < streams_per_thread; ++s)
    in.streams.push_back("thread-" + std::to_string(thread) + "-" + boost::uuids::to_string(make_id()));
  in.events.reserve(appends_per_thread);
  for (std::size_t i = 0; i < appends_per_thread; ++i) {
    if constexpr (std::is_same_v<Pending, baseline::pending>)
      in.events.push_back({{baseline::event_kind::order_note_added, 0, 0, {}, "packed"}, make_id(), {}, {}});
    else
      in.events.push_back({bench::OrderNoteAdded{"packed"}, make_id(), {}, {}});
  }
  return in;
}

bool append_at(noted_store& store, const std::string& stream, std::uint64_t version,
               chronicle::pending_event<bench::noted_event>& p) {
  return static_cast<bool>(store.append(stream, chronicle::expected_version::exact(version),
                                        std::span<const chronicle::pending_event<bench::noted_event>>(&p, 1)));
}
bool append_at(baseline::store& store, const std::string& stream, std::uint64_t version, baseline::pending& p) {
  return store.append(stream, version, std::span(&p, 1)).result == baseline::status::ok;
}

// Each W5 iteration fills a fresh store with about 50 MB. By default glibc hands freed memory back to
// the kernel (the second thread's arena with MADV_DONTNEED), so every iteration faulted it in again:
// on this machine's VM a page fault costs more than an append, and W5 measured the kernel, at 0.8 M
// appends/s for one thread against 4 M/s with the memory kept. A service's heap is warm: keep it.
void keep_freed_memory() {
#ifdef __GLIBC__
  [[maybe_unused]] static const bool once = [] {
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
    mallopt(M_TOP_PAD, 256 << 20);
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    return true;
  }();
#endif
}

// The floors. `separate`: each thread appends to a store of its own, so nothing is shared and the
// figure is what this machine's cores, caches and allocator allow this work at best. `counted`: the
// same, plus one atomic increment of a counter all threads share after each append: the least that
// numbering every append in one global order costs.
enum class sharing { one_store, separate, counted };

template <class Store, class Pending, sharing mode = sharing::one_store>
void distinct_streams(benchmark::State& state) {
  constexpr bool separate = mode != sharing::one_store;
  struct alignas(64) padded {  // a line of its own
    std::atomic<std::uint64_t> n{0};
  } global_count;
  keep_freed_memory();
  const auto threads = static_cast<std::size_t>(state.range(0));
  std::size_t failed = 0;
  for (auto _ : state) {
    std::vector<std::unique_ptr<Store>> stores;
    for (std::size_t t = 0; t < (separate ? threads : 1); ++t) stores.push_back(std::make_unique<Store>());
    std::vector<thread_input<Pending>> inputs;
    for (std::size_t t = 0; t < threads; ++t) inputs.push_back(make_input<Pending>(t, static_cast<std::uint32_t>(100 + t)));
    std::vector<std::chrono::steady_clock::time_point> begin(threads), end(threads);
    std::vector<std::size_t> failures(threads);
    std::latch go(static_cast<std::ptrdiff_t>(threads));
    auto writer = [&](std::size_t t) {
      auto& in = inputs[t];
      go.arrive_and_wait();
      std::size_t refused = 0;  // counted here: neighbouring elements of `failures` share a cache line
      begin[t] = std::chrono::steady_clock::now();
      for (std::size_t i = 0; i < appends_per_thread; ++i) {
        refused += !append_at(*stores[separate ? t : 0], in.streams[i % streams_per_thread], i / streams_per_thread,
                              in.events[i]);
        if constexpr (mode == sharing::counted) global_count.n.fetch_add(1, std::memory_order_relaxed);
      }
      end[t] = std::chrono::steady_clock::now();
      failures[t] = refused;
    };
    std::vector<std::thread> others;
    for (std::size_t t = 1; t < threads; ++t) others.emplace_back(writer, t);
    writer(0);
    for (auto& th : others) th.join();
    const auto first = *std::min_element(begin.begin(), begin.end());
    const auto last = *std::max_element(end.begin(), end.end());
    state.SetIterationTime(std::chrono::duration<double>(last - first).count());
    for (auto f : failures) failed += f;
  }
  state.counters["appends_per_second"] = benchmark::Counter(
      static_cast<double>(threads * appends_per_thread) * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  if (failed != 0) state.SkipWithError("an append was refused");
}

[[maybe_unused]] const bool registered = [] {
  benchmark::RegisterBenchmark("W4_one_winner/chronicle", one_winner<noted_store>)->Iterations(1)->UseManualTime();
  benchmark::RegisterBenchmark("W4_one_winner/baseline", one_winner<baseline::store>)->Iterations(1)->UseManualTime();
  // Two threads on two cores vary: take the median of 5. 4 and 8 threads share the two cores.
  using chronicle_pending = chronicle::pending_event<bench::noted_event>;
  benchmark::RegisterBenchmark("W5_distinct_streams/chronicle", distinct_streams<noted_store, chronicle_pending>)
      ->ArgName("threads")->Arg(1)->Arg(2)->Arg(4)->Arg(8)->UseManualTime()->Unit(benchmark::kMillisecond)
      ->Repetitions(5)->ReportAggregatesOnly(true);
  benchmark::RegisterBenchmark("W5_distinct_streams/baseline", distinct_streams<baseline::store, baseline::pending>)
      ->ArgName("threads")->Arg(1)->Arg(2)->Arg(4)->Arg(8)->UseManualTime()->Unit(benchmark::kMillisecond)
      ->Repetitions(5)->ReportAggregatesOnly(true);
  benchmark::RegisterBenchmark("W5_distinct_streams/chronicle_separate_stores",
                               distinct_streams<noted_store, chronicle_pending, sharing::separate>)
      ->ArgName("threads")->Arg(2)->UseManualTime()->Unit(benchmark::kMillisecond)
      ->Repetitions(5)->ReportAggregatesOnly(true);
  benchmark::RegisterBenchmark("W5_distinct_streams/chronicle_separate_stores_one_counter",
                               distinct_streams<noted_store, chronicle_pending, sharing::counted>)
      ->ArgName("threads")->Arg(2)->UseManualTime()->Unit(benchmark::kMillisecond)
      ->Repetitions(5)->ReportAggregatesOnly(true);
  return true;
}();

}  // namespace
