#pragma once
/// @file
/// @brief Event ids: time-ordered ones (the layout of UUID version 7, with Boost.Uuid's random bits;
/// safe to share between threads), and ids derived from an idempotency key (version 5), the same on
/// every run.
#include <chronicle/envelope.hpp>

#include <boost/uuid/name_generator_sha1.hpp>
#include <boost/uuid/random_generator.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

#include <time.h>

namespace chronicle {
inline namespace v0 {

/// @brief Makes event ids. One per store or repository; no global generator.
///
/// An id is time-ordered: its first 48 bits are the Unix time in milliseconds, then the version
/// nibble 7, then 74 random bits (RFC 9562's UUID version 7, without its optional counter). Ids made
/// later sort later, so a store's unique index on event ids grows at its end: with random ids every
/// insert lands on a random page of that index, and appending to a large file got several times
/// slower (benchmarks/README.md, "A growing file"). Ids of one tick of the clock (on Linux, its coarse
/// real-time clock: a few milliseconds) are in random order.
///
/// The random bits come from Boost's Mersenne-Twister generator (seeded from the OS once), behind a
/// mutex: the pure generator makes a system call per id, which costs more than the lock.
class id_generator {
 public:
  [[nodiscard]] event_id operator()() {
    event_id id;
    {
      std::lock_guard lock(mutex_);
      id = generate_();  // version 4: random, with RFC 9562's variant bits set
    }
    const std::uint64_t ms = unix_milliseconds();
    for (std::size_t i = 0; i < 6; ++i) id.data[i] = static_cast<std::uint8_t>(ms >> (40 - 8 * i));
    id.data[6] = static_cast<std::uint8_t>((id.data[6] & 0x0F) | 0x70);  // version 7
    return id;
  }

 private:
  // The coarse clock where there is one: it reads in 4 ns against 27 for system_clock on a KVM guest,
  // and its few milliseconds of granularity only widen the window within which ids are unordered.
  static std::uint64_t unix_milliseconds() noexcept {
#ifdef CLOCK_REALTIME_COARSE
    timespec now{};
    if (clock_gettime(CLOCK_REALTIME_COARSE, &now) == 0)
      return static_cast<std::uint64_t>(now.tv_sec) * 1000 + static_cast<std::uint64_t>(now.tv_nsec) / 1'000'000;
#endif
    const auto now_ = std::chrono::system_clock::now().time_since_epoch();
    return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(now_).count());
  }

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
