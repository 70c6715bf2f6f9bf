#pragma once
/// @file
/// @brief Random (version 4) event ids from Boost.Uuid, safe to share between threads.
#include <chronicle/envelope.hpp>

#include <boost/uuid/random_generator.hpp>

#include <mutex>

namespace chronicle {
inline namespace v0 {

/// @brief Makes random event ids. One per store or repository; no global generator.
///
/// Wraps Boost's Mersenne-Twister generator (seeded from the OS once) behind a mutex: the
/// pure generator makes a system call per id, which costs more than the lock.
class id_generator {
 public:
  [[nodiscard]] event_id operator()() {
    std::lock_guard lock(mutex_);
    return generate_();
  }

 private:
  std::mutex mutex_;
  boost::uuids::random_generator_mt19937 generate_;
};

}  // namespace v0
}  // namespace chronicle
