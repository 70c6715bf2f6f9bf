#pragma once
// A lock for sections of a few instructions that threads on other cores also enter: under contention
// std::mutex puts the waiter to sleep, and waking it costs more than the section. This one spins a
// little, then yields, so a holder that was preempted gets the core back.
#include <atomic>
#include <thread>

namespace chronicle {
inline namespace v0 {
namespace detail {

// Waits until done() holds: spins a little, then yields.
template <class Done>
void spin_until(Done done) noexcept {
  for (int spins = 0; !done();) {
    if (++spins < 64) {
#if defined(__x86_64__) || defined(__i386__)
      __builtin_ia32_pause();
#elif defined(__aarch64__)
      asm volatile("yield");
#endif
    } else {
      std::this_thread::yield();
    }
  }
}

class spin_lock {
 public:
  void lock() noexcept {
    while (held_.exchange(true, std::memory_order_acquire))
      spin_until([&] { return !held_.load(std::memory_order_relaxed); });
  }
  void unlock() noexcept { held_.store(false, std::memory_order_release); }

 private:
  std::atomic<bool> held_{false};
};

}  // namespace detail
}  // namespace v0
}  // namespace chronicle
