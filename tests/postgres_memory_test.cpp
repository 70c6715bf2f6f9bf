// What reading costs in memory on PostgreSQL: reading 1,000,000 events, through the global order and
// through one stream, keeps the client's heap flat (keyset chunks of 4,096 rows or 1 MiB). The heap is
// measured with mallinfo2, which counts libpq's result buffers (malloc) as well as C++ allocations.
#include <chronicle/postgres/store.hpp>

#include <doctest/doctest.h>

#include "postgres_support.hpp"
#include "support.hpp"

#include <malloc.h>

#include <algorithm>
#include <cstdint>
#include <string>

namespace {

using counter::counter_event;
using store_type = chronicle::postgres_store<counter_event>;

std::size_t heap_in_use() { return mallinfo2().uordblks; }

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool measurable = false;  // the sanitizers' allocators keep their own books
#else
constexpr bool measurable = true;
#endif

TEST_CASE("reading 1,000,000 events (200,000 in debug builds) keeps the client's memory flat") {
  test::postgres_schema schema("memory");
  store_type store(test::postgres_conninfo(), {.schema = schema.name});
#ifdef NDEBUG
  constexpr std::int64_t events = 1'000'000;  // the release preset (CI's GCC build) reads the full million
#else
  constexpr std::int64_t events = 200'000;  // debug and sanitizer builds decode several times slower
#endif
  const std::string payload = chronicle::event_codec<counter_event>::encode(counter_event{counter::Added{1}});
  // Written in bulk by SQL (a million appends would take minutes): one stream "big" of 1,000,000
  // events, rows exactly as the store writes them.
  test::postgres_exec("INSERT INTO \"" + schema.name + "\".events (position, stream_id, version, event_id, type, "
                      "schema_version, payload, correlation_id, causation_id, recorded_at) SELECT i, 'big'::bytea, i, "
                      "gen_random_uuid(), 'Added', 1, '" + payload + "'::json, '00000000-0000-0000-0000-000000000000', "
                      "'00000000-0000-0000-0000-000000000000', now() FROM generate_series(1, " + std::to_string(events) + ") i");
  test::postgres_exec("SELECT setval('\"" + schema.name + "\".positions', " + std::to_string(events) + ")");
  test::postgres_exec("ANALYZE \"" + schema.name + "\".events");  // as autovacuum would, after a bulk load

  const std::size_t baseline = heap_in_use();
  std::size_t peak = baseline;
  std::int64_t sum = 0;
  std::uint64_t n = store.read_all(1, [&](const auto& r) {
    sum += std::get<counter::Added>(r.event).amount;
    if ((r.position & 1023) == 0) peak = std::max(peak, heap_in_use());
  });
  CHECK(n == events);
  CHECK(sum == events);
  const std::size_t global_peak = peak - baseline;

  peak = heap_in_use();
  const std::size_t stream_baseline = peak;
  n = store.read_stream("big", 1, [&](const auto& r) {
    if ((r.version & 1023) == 0) peak = std::max(peak, heap_in_use());
  });
  CHECK(n == events);
  const std::size_t stream_peak = peak - stream_baseline;
  MESSAGE("extra heap at the peak: read_all " << global_peak / 1024 << " KiB, read_stream " << stream_peak / 1024
                                              << " KiB, for " << events << " events");
  if (measurable) {
    // One chunk of 4,096 small rows (its PGresult and the decoded records) is well under 2 MiB.
    CHECK(global_peak < (std::size_t{2} << 20));
    CHECK(stream_peak < (std::size_t{2} << 20));
  }
}

}  // namespace
