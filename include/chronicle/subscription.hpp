#pragma once
/// @file
/// @brief A catch-up subscription: a thread that feeds a read model or reactor from the store's global
/// order, from its checkpoint on; stopped and resumed where it stopped.
#include <chronicle/event_store.hpp>

#include <chronicle/detail/interruption.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <stop_token>
#include <thread>

namespace chronicle {
inline namespace v0 {

/// @brief Something a subscription can drive: a `read_model<P>` or a `reactor<R, Bus>`.
template <class S, class Store>
concept subscriber = requires(S& s, const Store& store, std::size_t n) {
  { s.catch_up(store, n) } -> std::same_as<std::size_t>;
  { s.checkpoint() } -> std::same_as<std::uint64_t>;
  { s.failure().has_value() } -> std::same_as<bool>;
};

/// @brief Runs `subscriber.catch_up(store)` on its own thread until stopped or until a handler throws.
///
/// The subscriber's checkpoint is the resume point: `stop()` then `start()` continues where it stopped,
/// and a subscriber handed to a new subscription continues from its checkpoint too. When the store
/// offers `wait_for_position(position, timeout)` the thread sleeps until an append; otherwise it polls.
template <event_store Store, subscriber<Store> Subscriber>
class subscription {
 public:
  subscription(const Store& store, Subscriber& subscriber) : store_(&store), subscriber_(&subscriber) {}
  subscription(const subscription&) = delete;
  subscription& operator=(const subscription&) = delete;
  ~subscription() { stop(); }

  /// @brief Starts the thread; does nothing if it runs already. After a failure, `reset()` or
  /// `rebuild()` the subscriber, then `start()` again.
  void start() {
    if (running()) return;
    if (thread_.joinable()) thread_.join();  // a thread that ended on a failure
    finished_ = false;
    thread_ = std::jthread([this](std::stop_token stop) { run(stop); });
  }

  /// @brief Stops the thread and waits for it; the subscriber keeps its checkpoint.
  void stop() {
    if (thread_.joinable()) {
      thread_.request_stop();
      thread_.join();
    }
  }

  /// @brief Whether the thread is feeding the subscriber (false once stopped, or after a failure).
  [[nodiscard]] bool running() const noexcept { return thread_.joinable() && !finished_.load(); }

 private:
  static constexpr std::size_t chunk = 4096;
  static constexpr std::chrono::milliseconds idle_wait{10};

  // catch_up records handler and store failures in the subscriber, so nothing is expected to escape it.
  void run(std::stop_token stop) noexcept {
    const detail::stop_token_scope interruptible(stop);  // a store's waits end when we are stopped
    while (!stop.stop_requested()) {
      const std::size_t applied = subscriber_->catch_up(*store_, chunk);
      if (subscriber_->failure().has_value()) break;  // stopped by a failure; failure() says where
      if (applied == 0) {
        if constexpr (requires { store_->wait_for_position(std::uint64_t{}, idle_wait); }) {
          try {
            (void)store_->wait_for_position(subscriber_->checkpoint() + 1, idle_wait);
          } catch (const detail::interrupted&) {
            break;  // stopped while the store waited
          } catch (...) {
            // The wait failed (the server away); the next catch-up finds out and records it if it lasts.
          }
        } else
          std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    }
    finished_ = true;
  }

  const Store* store_;
  Subscriber* subscriber_;
  std::atomic<bool> finished_{false};
  std::jthread thread_;  // last: joined before the pointers it uses go away
};

}  // namespace v0
}  // namespace chronicle
