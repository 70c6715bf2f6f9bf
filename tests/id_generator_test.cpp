#include <chronicle/id_generator.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <set>
#include <thread>
#include <vector>

namespace {

std::uint64_t unix_ms() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
}

std::uint64_t timestamp_of(const chronicle::event_id& id) {
  std::uint64_t ms = 0;
  for (std::size_t i = 0; i < 6; ++i) ms = (ms << 8) | id.data[i];
  return ms;
}

}  // namespace

TEST_CASE("an event id is a version 7 UUID: the time in milliseconds, then random bits") {
  chronicle::id_generator ids;
  const auto before = unix_ms();
  const auto id = ids();
  const auto after = unix_ms();
  CHECK((id.data[6] >> 4) == 7);        // version
  CHECK((id.data[8] & 0xC0) == 0x80);   // RFC 9562 variant
  // The generator reads a coarse clock, which may lag the precise one by a tick of a few ms.
  CHECK(timestamp_of(id) + 100 >= before);
  CHECK(timestamp_of(id) <= after);
}

TEST_CASE("each of an id's 74 random bits varies from id to id") {
  chronicle::id_generator ids;
  std::uint8_t ones[16] = {}, zeros[16] = {};  // bits seen set, and seen clear, in any of the ids
  for (int i = 0; i < 1000; ++i) {
    const auto id = ids();
    for (std::size_t b = 6; b < 16; ++b) {
      ones[b] = static_cast<std::uint8_t>(ones[b] | id.data[b]);
      zeros[b] = static_cast<std::uint8_t>(zeros[b] | ~id.data[b]);
    }
  }
  for (std::size_t b = 6; b < 16; ++b) {
    // Fixed: byte 6's high nibble (version) and byte 8's two high bits (variant).
    const std::uint8_t fixed = b == 6 ? 0xF0 : b == 8 ? 0xC0 : 0x00;
    CAPTURE(b);
    CHECK((ones[b] & zeros[b] & ~fixed & 0xFF) == (~fixed & 0xFF));
  }
}

TEST_CASE("ids made at a later time sort after earlier ones, and no two ids are equal") {
  chronicle::id_generator ids;
  const auto first = ids();
  auto later = ids();
  while (timestamp_of(later) == timestamp_of(first)) {  // wait for the generator's clock to move on
    std::this_thread::yield();
    later = ids();
  }
  CHECK(timestamp_of(later) > timestamp_of(first));
  CHECK(first < later);  // ids compare by their bytes, the time first

  std::set<chronicle::event_id> seen;
  for (int i = 0; i < 10'000; ++i) CHECK(seen.insert(ids()).second);
}

TEST_CASE("one generator is safe to share between threads") {
  chronicle::id_generator ids;
  std::vector<std::vector<chronicle::event_id>> made(4);
  std::vector<std::thread> threads;
  for (auto& out : made)
    threads.emplace_back([&ids, &out] {
      for (int i = 0; i < 2'000; ++i) out.push_back(ids());
    });
  for (auto& t : threads) t.join();
  std::set<chronicle::event_id> all;
  for (const auto& out : made) all.insert(out.begin(), out.end());
  CHECK(all.size() == 8'000);
}
