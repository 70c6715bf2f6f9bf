#pragma once
// Stopping a subscription while its thread waits inside a store: a PostgreSQL read retries for up to
// `reconnect_timeout` (30 s) while the server is away, and `stop()` would wait all that time. The
// subscription's thread names its stop token here; a store's retry loop asks `interruption_requested()`
// between tries and throws `interrupted`, which the subscriber takes as "stopped", not as a failure.
// One pointer per thread, set only by a subscription's own thread: no state shared between threads.
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <stop_token>
#include <thread>

namespace chronicle {
inline namespace v0 {
namespace detail {

struct interrupted {};  // not an std::exception: nothing but the subscriber should catch it

inline thread_local const std::stop_token* thread_stop_token = nullptr;

[[nodiscard]] inline bool interruption_requested() noexcept {
  return thread_stop_token != nullptr && thread_stop_token->stop_requested();
}

// Sleeps for `pause` unless this thread's subscription is stopped meanwhile (the stop wakes it at
// once): then throws `interrupted`.
inline void interruptible_sleep(std::chrono::milliseconds pause) {
  if (thread_stop_token == nullptr) return std::this_thread::sleep_for(pause);
  std::mutex m;
  std::condition_variable_any woken;
  std::unique_lock lock(m);
  (void)woken.wait_for(lock, *thread_stop_token, pause, [] { return false; });
  if (thread_stop_token->stop_requested()) throw interrupted{};
}

// Names `token` as this thread's for its lifetime.
class stop_token_scope {
 public:
  explicit stop_token_scope(const std::stop_token& token) noexcept : previous_(thread_stop_token) {
    thread_stop_token = &token;
  }
  ~stop_token_scope() { thread_stop_token = previous_; }
  stop_token_scope(const stop_token_scope&) = delete;
  stop_token_scope& operator=(const stop_token_scope&) = delete;

 private:
  const std::stop_token* previous_;
};

}  // namespace detail
}  // namespace v0
}  // namespace chronicle
