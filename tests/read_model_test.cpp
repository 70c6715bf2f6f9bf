#include <chronicle/read_model.hpp>

#include <doctest/doctest.h>

#include "support.hpp"

#include <map>
#include <stdexcept>
#include <vector>

namespace {

using namespace counter;
using chronicle::expected_version;
using store_t = chronicle::memory_store<counter_event>;

// Sums Added amounts per stream; remembers the positions it saw.
struct totals {
  using handles = chronicle::events<Added>;
  std::map<std::string, long> by_stream;
  std::vector<std::uint64_t> positions;
  int throw_on = -1;  // an amount that makes the handler throw
  void when(const Added& e, const chronicle::envelope& meta) {
    if (e.amount == throw_on) throw std::runtime_error("bad amount");
    by_stream[meta.stream_id] += e.amount;
    positions.push_back(meta.position);
  }
};
static_assert(chronicle::projection<totals>);

struct fragile_totals : totals {
  fragile_totals() { throw_on = 13; }
};

void add(store_t& store, std::string_view stream, int amount) {
  REQUIRE(store.append(stream, expected_version::any(), {test::pending<counter_event>(Added{amount})}));
}

TEST_CASE("catch_up applies each event once, in global order, and moves the checkpoint") {
  store_t store;
  add(store, "a", 1);
  add(store, "b", 2);
  REQUIRE(store.append("a", expected_version::any(), {test::pending<counter_event>(Doubled{})}));
  add(store, "a", 4);

  chronicle::read_model<totals> model;
  CHECK(model.checkpoint() == 0);
  CHECK(model.catch_up(store) == 4);
  CHECK(model.checkpoint() == 4);
  CHECK(model.catch_up(store) == 0);  // nothing new: nothing applied twice
  model.read([](const totals& t) {
    CHECK(t.by_stream.at("a") == 5);
    CHECK(t.by_stream.at("b") == 2);
    CHECK(t.positions == std::vector<std::uint64_t>{1, 2, 4});  // Doubled is not handled, only counted
  });

  add(store, "b", 10);
  CHECK(model.catch_up(store, 1) == 1);
  CHECK(model.read([](const totals& t) { return t.by_stream.at("b"); }) == 12);
}

TEST_CASE("a throwing handler stops the model at that event and reports its position") {
  store_t store;
  add(store, "a", 1);
  add(store, "a", 13);
  add(store, "a", 2);
  chronicle::read_model<fragile_totals> failing;
  CHECK(failing.catch_up(store) == 1);
  CHECK(failing.checkpoint() == 1);
  const auto failure = failing.failure();
  REQUIRE(failure);
  CHECK(failure->position == 2);
  CHECK(failure->stream_id == "a");
  CHECK(failure->version == 2);
  CHECK(failure->event_name == "Added");
  CHECK(failure->message == "bad amount");
  CHECK(chronicle::describe(*failure) == "projection stopped at position 2 (stream 'a' version 2, Added): bad amount");
  CHECK(failing.catch_up(store) == 0);  // stopped: the event after it is not applied either
  CHECK(failing.read([](const fragile_totals& t) { return t.by_stream.at("a"); }) == 1);
  CHECK_FALSE(failing.wait_for(3, std::chrono::milliseconds(1)));
}

TEST_CASE("rebuild resets and replays everything, reporting progress") {
  store_t store;
  for (int i = 0; i < 100'000; ++i) add(store, "s" + std::to_string(i % 10), 1);
  chronicle::read_model<totals> model;
  CHECK(model.catch_up(store, 10) == 10);
  std::vector<std::pair<std::uint64_t, std::uint64_t>> progress;
  CHECK(model.rebuild(store, [&](std::uint64_t done, std::uint64_t head) { progress.emplace_back(done, head); }) ==
        100'000);
  REQUIRE(progress.size() == 2);  // chunks of 65,536
  CHECK(progress.front() == std::pair<std::uint64_t, std::uint64_t>{65'536, 100'000});
  CHECK(progress.back() == std::pair<std::uint64_t, std::uint64_t>{100'000, 100'000});
  model.read([](const totals& t) {
    CHECK(t.positions.size() == 100'000);
    for (const auto& [stream, total] : t.by_stream) CHECK(total == 10'000);
  });
}

TEST_CASE("wait_for returns once the position is applied, or false on timeout") {
  store_t store;
  add(store, "a", 1);
  chronicle::read_model<totals> model;
  CHECK_FALSE(model.wait_for(1, std::chrono::milliseconds(1)));
  model.catch_up(store);
  CHECK(model.wait_for(1, std::chrono::milliseconds(0)));
}

TEST_CASE("catch_up with a budget of zero applies nothing; an endless wait is defined") {
  store_t store;
  add(store, "a", 1);
  chronicle::read_model<totals> model;
  CHECK(model.catch_up(store, 0) == 0);
  CHECK(model.checkpoint() == 0);
  model.catch_up(store);
  CHECK(model.wait_for(1, std::chrono::nanoseconds::max()));
}

TEST_CASE("after a failure, reset and catch up again from the start") {
  store_t store;
  add(store, "a", 1);
  add(store, "a", 13);
  chronicle::read_model<fragile_totals> model;
  model.catch_up(store);
  REQUIRE(model.failure());
  model.reset();
  CHECK_FALSE(model.failure());
  CHECK(model.catch_up(store) == 1);  // fails again at the same event: the data, not the model, is at fault
  CHECK(model.failure()->position == 2);
}

}  // namespace
