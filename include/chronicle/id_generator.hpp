#pragma once
/// @file
/// @brief Event ids: time-ordered ones (the layout of UUID version 7, with random bits from the
/// standard library's Mersenne Twister; safe to share between threads), and ids derived from an
/// idempotency key (version 5), the same on every run.
#include <chronicle/envelope.hpp>

#include <boost/uuid/name_generator_sha1.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <random>
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
/// The random bits come from a 64-bit Mersenne Twister seeded from `std::random_device` (the OS)
/// once, behind a mutex: reading the OS's generator per id costs a system call, more than the lock.
/// (This is what Boost.Uuid's `random_generator_mt19937` does; its header alone costs 2.2 s of GCC
/// and 165 MiB of its memory in every file that includes chronicle, `<random>` 0.8 s and 83 MiB.)
class id_generator {
 public:
  // Seeds 512 bits of the twister's state from the OS, not one 32-bit word (2^32 sequences only).
  id_generator() {
    std::random_device os;
    std::uint32_t words[16];
    for (auto& w : words) w = os();
    std::seed_seq seed(std::begin(words), std::end(words));
    generate_.seed(seed);
  }

  [[nodiscard]] event_id operator()() {
    std::uint64_t random[2];
    {
      std::lock_guard lock(mutex_);
      random[0] = generate_();
      random[1] = generate_();
    }
    event_id id;
    const std::uint64_t ms = unix_milliseconds();
    for (std::size_t i = 0; i < 6; ++i) id.data[i] = static_cast<std::uint8_t>(ms >> (40 - 8 * i));
    for (std::size_t i = 6; i < 16; ++i) id.data[i] = static_cast<std::uint8_t>(random[i / 8] >> (8 * (i % 8)));
    id.data[6] = static_cast<std::uint8_t>((id.data[6] & 0x0F) | 0x70);  // version 7
    id.data[8] = static_cast<std::uint8_t>((id.data[8] & 0x3F) | 0x80);  // RFC 9562's variant
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
  std::mt19937_64 generate_;
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
