// What reading costs in memory: bounded by the largest event, whatever the number of events. (Its own
// program, because it replaces the global operator new to measure the bytes held at the peak.)
#include <chronicle/json/detail/parse.hpp>
#include <chronicle/read_model.hpp>
#include <chronicle/repository.hpp>
#include <chronicle/sqlite/store.hpp>

#include <doctest/doctest.h>

#include "sqlite_support.hpp"
#include "support.hpp"

#include <malloc.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>

namespace {
std::atomic<std::size_t> live{0};
std::atomic<std::size_t> peak{0};

void* allocate(std::size_t size) {
  void* p = std::malloc(size == 0 ? 1 : size);
  if (p == nullptr) throw std::bad_alloc();
  const std::size_t now = live += malloc_usable_size(p);
  for (std::size_t seen = peak; now > seen && !peak.compare_exchange_weak(seen, now);) {
  }
  return p;
}
void release(void* p) noexcept {
  if (p == nullptr) return;
  live -= malloc_usable_size(p);
  std::free(p);
}
}  // namespace

void* operator new(std::size_t size) { return allocate(size); }
void* operator new[](std::size_t size) { return allocate(size); }
void operator delete(void* p) noexcept { release(p); }
void operator delete[](void* p) noexcept { release(p); }
void operator delete(void* p, std::size_t) noexcept { release(p); }
void operator delete[](void* p, std::size_t) noexcept { release(p); }

namespace {

using counter::counter_event;
using counter::Noted;
using chronicle::expected_version;

constexpr std::size_t mib = 1024 * 1024;

// The most memory `read` held at once beyond what was held before it.
template <class Read>
std::size_t peak_extra(Read&& read) {
  const std::size_t before = live;
  peak = before;
  read();
  return peak - before;
}

struct noted_count {
  using handles = chronicle::events<Noted>;
  std::size_t notes = 0;
  void when(const Noted&) { ++notes; }
};

TEST_CASE("a reused JSON reader holds memory for the largest document, not for all of them") {
  chronicle::detail::json_reader reader(chronicle::detail::strings_as_bytes());
  const std::string document = R"({"text":")" + std::string(5 * 1024, 'x') + R"("})";
  boost::system::error_code ec;
  const std::size_t extra = peak_extra([&] {
    for (int i = 0; i < 10'000; ++i) {
      const auto value = reader.parse(document, ec);
      REQUIRE_FALSE(ec);
      REQUIRE(value.at("text").as_string().size() == 5 * 1024);
    }
  });
  MESSAGE("10,000 documents of 5 KiB: " << extra << " bytes at the peak");
  CHECK(extra < 64 * 1024);
}

TEST_CASE("reading a SQLite store of large events holds about one chunk, on every read path") {
  test::temporary_file file("memory");
  chronicle::sqlite_store<counter_event> store(file.path.string(), {.sync = chronicle::sqlite_options::synchronous::off});
  for (int i = 0; i < 100; ++i)
    REQUIRE(store.append("big", expected_version::any(), {test::pending<counter_event>(Noted{std::string(mib, 'b')})}));
  for (int batch = 0; batch < 100; ++batch) {
    std::vector<chronicle::pending_event<counter_event>> notes(100, test::pending<counter_event>(Noted{std::string(5 * 1024, 'm')}));
    REQUIRE(store.append("many", expected_version::any(), notes));
  }
  chronicle::repository<counter::aggregate, decltype(store)> counters{store};

  std::size_t events = 0;
  const auto count = [&](const auto&) { ++events; };
  const std::size_t stream_big = peak_extra([&] { store.read_stream("big", 1, count); });
  const std::size_t stream_many = peak_extra([&] { store.read_stream("many", 1, count); });
  const std::size_t fold_big = peak_extra([&] { store.read_events("big", 1, [&](std::uint64_t, const counter_event&) { ++events; }); });
  const std::size_t all = peak_extra([&] { store.read_all(1, count); });
  const std::size_t load = peak_extra([&] { CHECK(counters.load("big")->version == 100); });
  chronicle::read_model<noted_count> model;
  const std::size_t catch_up = peak_extra([&] { CHECK(model.catch_up(store) == 10'100); });
  CHECK(events == 100 + 10'000 + 100 + 10'100);
  MESSAGE("peak extra bytes: read_stream 100 x 1 MiB " << stream_big << ", 10,000 x 5 KiB " << stream_many
                                                      << "; read_events " << fold_big << "; read_all " << all
                                                      << "; load " << load << "; catch_up " << catch_up);
  // A chunk ends at 1 MiB of payload, so a read holds about two events' worth, decoded and parsed;
  // before, it held 512 events, and its parser's next block doubled with every large one.
  for (const std::size_t extra : {stream_big, stream_many, fold_big, all, load, catch_up}) CHECK(extra < 12 * mib);
}

TEST_CASE("an event over the store's payload limit is refused on append, and a longer stored one on read") {
  test::temporary_file file("limit");
  {
    chronicle::sqlite_store<counter_event> roomy(file.path.string());
    REQUIRE(roomy.append("s", expected_version::any(), {test::pending<counter_event>(Noted{std::string(4096, 'x')})}));
  }
  chronicle::sqlite_store<counter_event> strict(file.path.string(), {.max_payload_size = 1024});
  const auto refused = strict.append("s", expected_version::any(), {test::pending<counter_event>(Noted{std::string(2000, 'y')})});
  REQUIRE(refused.has_error());
  const auto& too_large = std::get<chronicle::payload_too_large>(refused.error());
  CHECK(too_large.size > 2000);
  CHECK(too_large.limit == 1024);
  CHECK(strict.stream_version("s") == 1);
  CHECK_THROWS_AS(strict.read_all(1, [](const auto&) {}), chronicle::sqlite_error);
  CHECK_THROWS_WITH(strict.read_stream("s", 1, [](const auto&) {}),
                    doctest::Contains("4107 bytes, over the limit of 1024 (max_payload_size)"));
}

}  // namespace
