#include <chronicle/memory_store.hpp>

#include <doctest/doctest.h>

#include "store_conformance.hpp"
#include "support.hpp"

#include <boost/variant2/variant.hpp>

#include <algorithm>
#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace {

using counter::Added;
using counter::counter_event;
using counter::Doubled;
using store_t = chronicle::memory_store<counter_event>;
using chronicle::expected_version;
using test::new_id;
using test::pending;

static_assert(chronicle::event_store<store_t>);

struct memory_fixture {
  store_t store;
  chronicle::memory_snapshot_store<counter::state> snapshots;
  chronicle::memory_checkpoint_store checkpoints;
};
static_assert(chronicle::event_store<chronicle::memory_store<boost::variant2::variant<Added, Doubled>>>);

std::vector<std::uint64_t> versions_of(const store_t& store, std::string_view stream, std::uint64_t from = 1) {
  std::vector<std::uint64_t> out;
  store.read_stream(stream, from, [&](const auto& r) { out.push_back(r.version); });
  return out;
}

TEST_CASE("appends number stream versions from 1 and global positions across streams") {
  store_t store;
  auto a = store.append("a", expected_version::no_stream(), {pending<counter_event>(Added{1}), pending<counter_event>(Doubled{})});
  REQUIRE(a);
  CHECK(*a == chronicle::append_result{2, 2, 2});
  auto b = store.append("b", expected_version::any(), {pending<counter_event>(Added{5})});
  REQUIRE(b);
  CHECK(*b == chronicle::append_result{1, 3, 1});
  auto a2 = store.append("a", expected_version::exact(2), {pending<counter_event>(Added{7})});
  REQUIRE(a2);
  CHECK(*a2 == chronicle::append_result{3, 4, 1});

  CHECK(store.stream_version("a") == 3);
  CHECK(store.stream_version("b") == 1);
  CHECK(store.stream_version("nobody") == 0);
  CHECK(store.head_position() == 4);
  CHECK(versions_of(store, "a") == std::vector<std::uint64_t>{1, 2, 3});

  std::vector<std::pair<std::string, std::uint64_t>> all;
  store.read_all(0, [&](const auto& r) { all.emplace_back(r.stream_id, r.position); });
  CHECK(all == std::vector<std::pair<std::string, std::uint64_t>>{{"a", 1}, {"a", 2}, {"b", 3}, {"a", 4}});
}

TEST_CASE("reads start where asked, may stop early, and find nothing past the end") {
  store_t store;
  for (int i = 0; i < 5; ++i) REQUIRE(store.append("s", expected_version::any(), {pending<counter_event>(Added{i})}));
  CHECK(versions_of(store, "s", 0) == std::vector<std::uint64_t>{1, 2, 3, 4, 5});
  CHECK(versions_of(store, "s", 4) == std::vector<std::uint64_t>{4, 5});
  CHECK(versions_of(store, "s", 6).empty());
  CHECK(versions_of(store, "s", ~std::uint64_t{0}).empty());
  CHECK(versions_of(store, "unknown").empty());

  std::vector<std::uint64_t> firsts;
  const auto seen = store.read_stream("s", 1, [&](const auto& r) {
    firsts.push_back(r.version);
    return r.version < 2;  // stop after the second
  });
  CHECK(seen == 2);
  CHECK(firsts == std::vector<std::uint64_t>{1, 2});

  std::vector<std::uint64_t> positions;
  CHECK(store.read_all(3, [&](const auto& r) { positions.push_back(r.position); }) == 3);
  CHECK(positions == std::vector<std::uint64_t>{3, 4, 5});
  CHECK(store.read_all(6, [](const auto&) {}) == 0);
  CHECK(store.read_all(2, [](const auto&) { return false; }) == 1);
}

TEST_CASE("read_all crosses its internal chunk boundaries in order") {
  store_t store;
  for (int i = 0; i < 2500; ++i)
    REQUIRE(store.append(i % 2 ? "odd" : "even", expected_version::any(), {pending<counter_event>(Added{i})}));
  std::uint64_t expected = 1000;
  std::size_t seen = store.read_all(1000, [&](const auto& r) { CHECK(r.position == expected++); });
  CHECK(seen == 1501);
}

TEST_CASE("a conflict is a typed error naming stream, expected and actual version, and writes nothing") {
  store_t store;
  REQUIRE(store.append("s", expected_version::no_stream(), {pending<counter_event>(Added{1})}));

  auto again = store.append("s", expected_version::no_stream(), {pending<counter_event>(Added{2})});
  REQUIRE(again.has_error());
  const auto* conflict = std::get_if<chronicle::concurrency_conflict>(&again.error());
  REQUIRE(conflict != nullptr);
  CHECK(conflict->stream_id == "s");
  CHECK(conflict->expected == expected_version::no_stream());
  CHECK(conflict->actual == 1);

  auto stale = store.append("s", expected_version::exact(5), {pending<counter_event>(Added{2})});
  REQUIRE(stale.has_error());
  CHECK(std::get<chronicle::concurrency_conflict>(stale.error()).actual == 1);
  CHECK(chronicle::describe(stale.error()) == "concurrency conflict on stream 's': expected version 5, found version 1");

  auto missing = store.append("new", expected_version::stream_exists(), {pending<counter_event>(Added{2})});
  REQUIRE(missing.has_error());
  CHECK(std::get<chronicle::concurrency_conflict>(missing.error()).actual == 0);

  CHECK(store.stream_version("s") == 1);
  CHECK(store.stream_version("new") == 0);
  CHECK(store.head_position() == 1);
}

TEST_CASE("re-appending a recorded batch at the same place is a no-op returning the original result") {
  store_t store;
  const auto id1 = new_id(), id2 = new_id();
  const std::vector<chronicle::pending_event<counter_event>> batch{pending<counter_event>(Added{1}, id1),
                                                                   pending<counter_event>(Doubled{}, id2)};
  REQUIRE(store.append("other", expected_version::any(), {pending<counter_event>(Added{0})}));
  auto first = store.append("s", expected_version::no_stream(), batch);
  REQUIRE(first);
  REQUIRE(store.append("s", expected_version::exact(2), {pending<counter_event>(Added{3})}));

  auto retried = store.append("s", expected_version::no_stream(), batch);  // a client retry after a timeout
  REQUIRE(retried);
  CHECK(*retried == *first);
  CHECK(store.stream_version("s") == 3);
  CHECK(store.head_position() == 4);

  SUBCASE("a batch that only partly overlaps is an error") {
    auto partial = store.append("s", expected_version::any(), {pending<counter_event>(Added{1}, id1),
                                                               pending<counter_event>(Doubled{}, new_id())});
    REQUIRE(partial.has_error());
    CHECK(std::holds_alternative<chronicle::duplicate_event>(partial.error()));
    auto tail = store.append("s", expected_version::any(), {pending<counter_event>(Added{9}, new_id()),
                                                            pending<counter_event>(Doubled{}, id2)});
    REQUIRE(tail.has_error());
    CHECK(std::get<chronicle::duplicate_event>(tail.error()).id == id2);
  }
  SUBCASE("the same ids in another stream are an error") {
    auto elsewhere = store.append("t", expected_version::any(), batch);
    REQUIRE(elsewhere.has_error());
    CHECK(std::holds_alternative<chronicle::duplicate_event>(elsewhere.error()));
    CHECK(store.stream_version("t") == 0);
  }
  SUBCASE("a batch repeating an id within itself is an error and writes nothing") {
    const auto twice = new_id();
    auto dup = store.append("s", expected_version::any(), {pending<counter_event>(Added{1}, twice),
                                                           pending<counter_event>(Added{2}, twice)});
    REQUIRE(dup.has_error());
    CHECK(std::holds_alternative<chronicle::duplicate_event>(dup.error()));
  }
  CHECK(store.stream_version("s") == 3);
  CHECK(store.head_position() == 4);
  auto next = store.append("s", expected_version::exact(3), {pending<counter_event>(Added{1})});
  REQUIRE(next);
  CHECK(next->position == 5);  // positions stay gap-free after refused appends
}

TEST_CASE("envelopes carry ids, correlation, causation, type name and non-decreasing times") {
  store_t store;
  const auto id = new_id(), correlation = new_id(), causation = new_id();
  REQUIRE(store.append("s", expected_version::any(),
                       {chronicle::pending_event<counter_event>{Doubled{}, id, correlation, causation},
                        pending<counter_event>(Added{1})}));
  std::vector<chronicle::recorded_event<counter_event>> seen;
  store.read_stream("s", 1, [&](const auto& r) { seen.push_back(r); });
  REQUIRE(seen.size() == 2);
  CHECK(seen[0].id == id);
  CHECK(seen[0].correlation_id == correlation);
  CHECK(seen[0].causation_id == causation);
  CHECK(seen[0].type() == "Doubled");
  CHECK(seen[1].type() == "Added");
  CHECK_FALSE(seen[1].id.is_nil());  // a nil id is replaced by a fresh one
  CHECK(seen[1].id != seen[0].id);

  for (int i = 0; i < 200; ++i) REQUIRE(store.append("t" + std::to_string(i % 7), expected_version::any(), {pending<counter_event>(Added{i})}));
  chronicle::clock::time_point last{};
  store.read_all(1, [&](const auto& r) {
    CHECK(r.recorded_at >= last);
    last = r.recorded_at;
  });
}

TEST_CASE("bad input has a defined outcome") {
  store_t store;
  SUBCASE("an empty stream id") {
    auto r = store.append("", expected_version::any(), {pending<counter_event>(Added{1})});
    REQUIRE(r.has_error());
    CHECK(std::get<chronicle::invalid_stream_id>(r.error()).size == 0);
    CHECK(versions_of(store, "").empty());
  }
  SUBCASE("a huge stream id") {
    const std::string huge(chronicle::max_stream_id_size + 1, 'x');
    auto r = store.append(huge, expected_version::any(), {pending<counter_event>(Added{1})});
    REQUIRE(r.has_error());
    CHECK(std::get<chronicle::invalid_stream_id>(r.error()).size == huge.size());
    const std::string largest(chronicle::max_stream_id_size, 'x');
    CHECK(store.append(largest, expected_version::any(), {pending<counter_event>(Added{1})}));
    CHECK(store.stream_version(largest) == 1);
  }
  SUBCASE("any bytes are a valid stream id: quotes, NUL, newlines, UTF-8") {
    const std::string odd = std::string("o'r\"d\ne") + '\0' + "r-\xc3\xa9\xe2\x82\xac\xf0\x9f\x93\xa6";
    REQUIRE(store.append(odd, expected_version::any(), {pending<counter_event>(Added{1})}));
    CHECK(store.stream_version(odd) == 1);
    CHECK(store.stream_version(odd.substr(0, 6)) == 0);  // the NUL is part of the id, not its end
  }
  SUBCASE("an empty batch") {
    auto r = store.append("s", expected_version::any(), std::span<const chronicle::pending_event<counter_event>>{});
    REQUIRE(r.has_error());
    CHECK(std::holds_alternative<chronicle::empty_batch>(r.error()));
    CHECK(store.stream_version("s") == 0);
  }
  CHECK(store.head_position() <= 1);
}

// An event whose copy can be made to throw, to check that a failing batch leaves nothing behind.
struct Fragile {
  static constexpr std::string_view event_name = "Fragile";
  static inline int copies_until_throw = -1;
  Fragile() = default;
  Fragile(const Fragile&) {
    if (copies_until_throw == 0) throw std::runtime_error("copy failed");
    if (copies_until_throw > 0) --copies_until_throw;
  }
  Fragile(Fragile&&) noexcept = default;
  Fragile& operator=(const Fragile&) = default;
  Fragile& operator=(Fragile&&) noexcept = default;
};

TEST_CASE("a batch that fails half-way writes nothing") {
  using fragile_set = std::variant<Fragile>;
  chronicle::memory_store<fragile_set> store;
  REQUIRE(store.append("s", expected_version::any(), {chronicle::pending_event<fragile_set>{}}));
  const std::vector<chronicle::pending_event<fragile_set>> batch(3);
  Fragile::copies_until_throw = 2;  // the third event's copy throws
  CHECK_THROWS_AS((void)store.append("s", expected_version::exact(1), batch), std::runtime_error);
  Fragile::copies_until_throw = -1;
  CHECK(store.stream_version("s") == 1);
  CHECK(store.head_position() == 1);
  std::size_t n = 0;
  store.read_all(1, [&](const auto&) { ++n; });
  CHECK(n == 1);
  auto next = store.append("s", expected_version::exact(1), batch);
  REQUIRE(next);
  CHECK(*next == chronicle::append_result{4, 4, 3});
}

TEST_CASE("a stream's records stay in place as it grows, read from any version, and a failed batch across segments is undone") {
  using fragile_set = std::variant<Fragile>;
  chronicle::memory_store<fragile_set> store;
  const std::vector<chronicle::pending_event<fragile_set>> three(3), four(4);
  REQUIRE(store.append("s", expected_version::no_stream(), three));
  std::vector<const void*> where;  // the records' addresses: the global log points at them
  store.read_stream("s", 1, [&](const auto& r) { where.push_back(&r); });
  // The store keeps a stream's first 4 records in one block, the next 8 in another: the third event of
  // this batch would be the sixth, in the second block.
  Fragile::copies_until_throw = 2;
  CHECK_THROWS_AS((void)store.append("s", expected_version::exact(3), four), std::runtime_error);
  Fragile::copies_until_throw = -1;
  CHECK(store.stream_version("s") == 3);
  for (std::uint64_t v = 3; v < 300; v += 4) REQUIRE(store.append("s", expected_version::exact(v), four));
  std::vector<const void*> after;
  store.read_stream("s", 1, [&](const auto& r) { after.push_back(&r); });
  REQUIRE(after.size() == 303);
  CHECK(std::equal(where.begin(), where.end(), after.begin()));
  for (std::uint64_t from = 1; from <= 304; ++from) {
    std::uint64_t expected = from;
    const std::size_t seen = store.read_stream("s", from, [&](const auto& r) { CHECK(r.version == expected++); });
    CHECK(seen == 304 - from);
  }
  // read_all reaches the same records: the log holds the addresses the stream keeps.
  std::size_t at_same_place = 0;
  store.read_all(1, [&](const auto& r) { at_same_place += &r == after[r.version - 1]; });
  CHECK(at_same_place == 303);
}

// Its move throws when told to: a restore moves every record into the store.
struct Brittle {
  static constexpr std::string_view event_name = "Brittle";
  static inline int moves_until_throw = -1;
  Brittle() = default;
  Brittle(const Brittle&) = default;
  Brittle(Brittle&&) {
    if (moves_until_throw == 0) throw std::runtime_error("move failed");
    if (moves_until_throw > 0) --moves_until_throw;
  }
  Brittle& operator=(const Brittle&) = default;
  Brittle& operator=(Brittle&&) = default;
};

TEST_CASE("a restore that throws half-way leaves the store empty, and a second restore then works") {
  using brittle_set = std::variant<Brittle>;
  chronicle::memory_store<brittle_set> source;
  for (int i = 0; i < 3; ++i) {
    REQUIRE(source.append("a", expected_version::any(), {chronicle::pending_event<brittle_set>{}}));
    REQUIRE(source.append("b", expected_version::any(), {chronicle::pending_event<brittle_set>{}}));
  }
  std::vector<chronicle::recorded_event<brittle_set>> history;
  source.read_all(1, [&](const auto& r) { history.push_back(r); });
  REQUIRE(history.size() == 6);

  chronicle::memory_store<brittle_set> target;
  Brittle::moves_until_throw = 3;  // the fourth record's move into the store throws
  CHECK_THROWS_AS(target.restore(history), std::runtime_error);
  Brittle::moves_until_throw = -1;
  CHECK(target.head_position() == 0);
  CHECK(target.stream_version("a") == 0);
  CHECK(target.stream_version("b") == 0);
  CHECK_FALSE(target.find_event(history[0].id));

  target.restore(history);
  CHECK(target.head_position() == 6);
  CHECK(target.stream_version("a") == 3);
  CHECK(target.stream_version("b") == 3);
  std::vector<std::uint64_t> versions;
  target.read_stream("a", 1, [&](const auto& r) { versions.push_back(r.version); });
  CHECK(versions == std::vector<std::uint64_t>{1, 2, 3});
  REQUIRE(target.append("a", expected_version::exact(3), {chronicle::pending_event<brittle_set>{}}));
  CHECK(target.head_position() == 7);
}

// Counts copies, to check that folding a stream copies no event.
struct Counted {
  static constexpr std::string_view event_name = "Counted";
  static inline int copies = 0;
  Counted() = default;
  Counted(const Counted&) { ++copies; }
  Counted(Counted&&) noexcept = default;
  Counted& operator=(const Counted&) {
    ++copies;
    return *this;
  }
  Counted& operator=(Counted&&) noexcept = default;
};

TEST_CASE("folding a stream does not copy its events") {
  using counted_set = std::variant<Counted>;
  chronicle::memory_store<counted_set> store;
  const std::vector<chronicle::pending_event<counted_set>> batch(100);
  REQUIRE(store.append("s", expected_version::any(), batch));
  Counted::copies = 0;
  std::size_t folded = 0;
  store.read_stream("s", 1, [&](const chronicle::recorded_event<counted_set>&) { ++folded; });
  store.read_all(1, [&](const chronicle::recorded_event<counted_set>&) { ++folded; });
  CHECK(folded == 200);
  CHECK(Counted::copies == 0);
}

TEST_CASE("the store works the same over a boost::variant2 event set") {
  using set = boost::variant2::variant<Added, Doubled>;
  chronicle::memory_store<set> store;
  REQUIRE(store.append("s", expected_version::no_stream(), {chronicle::pending_event<set>{Added{2}}, chronicle::pending_event<set>{Doubled{}}}));
  std::vector<std::string_view> types;
  store.read_stream("s", 1, [&](const auto& r) { types.push_back(r.type()); });
  CHECK(types == std::vector<std::string_view>{"Added", "Doubled"});
}

TEST_CASE("nil ids never match: each such append records new events") {
  store_t store;
  REQUIRE(store.append("s", expected_version::any(), {test::pending<counter_event>(Added{1})}));
  auto second = store.append("s", expected_version::any(), {test::pending<counter_event>(Added{1})});
  REQUIRE(second);
  CHECK(second->version == 2);
  CHECK(store.append("t", expected_version::any(), {test::pending<counter_event>(Added{1})}));
  CHECK(store.head_position() == 3);
}

TEST_CASE("appends to other streams go on while one stream is held") {
  store_t store;
  REQUIRE(store.append("held", expected_version::any(), {test::pending<counter_event>(Added{1})}));
  std::atomic<bool> other_done{false};
  // Inside this callback the "held" stream's lock is taken; an append elsewhere must not wait for it.
  store.read_stream("held", 1, [&](const auto&) {
    std::jthread writer([&] {
      for (int i = 0; i < 100; ++i)
        REQUIRE(store.append("other", expected_version::any(), {test::pending<counter_event>(Added{i})}));
      other_done = true;
    });
    writer.join();
  });
  CHECK(other_done);
  CHECK(store.stream_version("other") == 100);
}

TEST_CASE("waiting for a position with an endless timeout is defined") {
  store_t store;
  REQUIRE(store.append("s", expected_version::any(), {test::pending<counter_event>(Added{1})}));
  CHECK(store.wait_for_position(1, std::chrono::nanoseconds::max()));
  CHECK_FALSE(store.wait_for_position(2, std::chrono::nanoseconds(1)));
}

}  // namespace

namespace conformance {
TEST_CASE_TEMPLATE_INVOKE(store_contract, memory_fixture);
}  // namespace conformance
