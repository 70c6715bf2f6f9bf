#pragma once
/// @file
/// @brief Event ids: random ones (version 4, from Boost.Uuid, safe to share between threads), and ids
/// derived from an idempotency key (version 5), the same on every run.
#include <chronicle/envelope.hpp>

#include <boost/uuid/name_generator_sha1.hpp>
#include <boost/uuid/random_generator.hpp>

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

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

/// @brief The id of the `index`-th event of a command sent with idempotency key `key`: a name-based
/// (version 5, SHA-1) UUID in the namespace `key`, so the same key and index give the same id in every
/// process and on every run.
[[nodiscard]] inline event_id derived_event_id(const event_id& key, std::size_t index) {
  unsigned char name[8];
  for (std::size_t i = 0; i < sizeof name; ++i) name[i] = static_cast<unsigned char>(std::uint64_t{index} >> (8 * i));
  return boost::uuids::name_generator_sha1(key)(name, sizeof name);
}

/// @brief The idempotency key of the `place`-th command (0-based) that the reaction named `reaction`
/// sends for the event `cause`: the same whenever that event is reacted to again.
[[nodiscard]] inline event_id reaction_key(const event_id& cause, std::string_view reaction, std::size_t place) {
  boost::uuids::name_generator_sha1 in_cause(cause);
  std::string name(reaction);
  name += '\0';
  name += std::to_string(place);
  return in_cause(name.data(), name.size());
}

}  // namespace v0
}  // namespace chronicle
