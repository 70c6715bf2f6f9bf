// The host's own prices, which bound what any code can do on it, measured in the same run as the
// workloads they bound:
// - Host_system_call: one system call that does nothing (getppid). Group commit's sleeps and wakes,
//   and SQLite's locks, reads and writes, are system calls; on a virtual machine each costs far more
//   than on bare metal.
// - Host_cache_line_handoff: one cache line handed from one core to the other. Two threads take
//   turns on one atomic: each waits until the other has written it, then writes it. Every append that
//   both cores' threads number in one global order pays at least this whenever they alternate (W5).
#include <benchmark/benchmark.h>

#include <atomic>
#include <chrono>
#include <latch>
#include <thread>

#include <sys/syscall.h>
#include <unistd.h>

namespace {

void system_call(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(::syscall(SYS_getppid));
  state.counters["seconds_per_call"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

// Waits until `turn` holds `mine`. Spins with the CPU's pause hint; after many spins (the other thread
// was preempted: the machine is busy) it yields, so that a loaded machine slows the figure rather
// than stalling it.
void await(const std::atomic<long>& turn, long mine) {
  for (long spins = 0; turn.load(std::memory_order_acquire) != mine;)
    if (++spins % 4096 == 0) {
      std::this_thread::yield();
    } else {
#if defined(__x86_64__) || defined(__i386__)
      __builtin_ia32_pause();
#elif defined(__aarch64__)
      asm volatile("yield");
#endif
    }
}

void cache_line_handoff(benchmark::State& state) {
  if (std::thread::hardware_concurrency() < 2) {
    state.SkipWithError("needs two cores");
    return;
  }
  constexpr long handoffs = 1'000'000;
  struct alignas(64) line {  // a line of its own
    std::atomic<long> turn{0};
  } shared;
  for (auto _ : state) {
    shared.turn.store(-1, std::memory_order_relaxed);
    std::latch started(2);
    std::thread other([&] {
      started.arrive_and_wait();
      for (long i = 1; i < handoffs; i += 2) {
        await(shared.turn, i);
        shared.turn.store(i + 1, std::memory_order_release);
      }
    });
    started.arrive_and_wait();
    const auto begin = std::chrono::steady_clock::now();
    shared.turn.store(0, std::memory_order_release);
    for (long i = 0; i < handoffs; i += 2) {
      await(shared.turn, i);
      shared.turn.store(i + 1, std::memory_order_release);
    }
    await(shared.turn, handoffs);
    state.SetIterationTime(std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count());
    other.join();
  }
  state.counters["seconds_per_handoff"] = benchmark::Counter(
      static_cast<double>(handoffs) * static_cast<double>(state.iterations()),
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

[[maybe_unused]] const bool registered = [] {
  benchmark::RegisterBenchmark("Host_system_call", system_call);
  benchmark::RegisterBenchmark("Host_cache_line_handoff", cache_line_handoff)
      ->UseManualTime()->Iterations(3)->Unit(benchmark::kMillisecond);
  return true;
}();

}  // namespace
