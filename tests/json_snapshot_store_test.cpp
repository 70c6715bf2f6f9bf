// Snapshots across schema changes: an old snapshot is discarded, the stream replayed, and a snapshot of
// the new schema saved in its place.
#include <chronicle/json/snapshot_store.hpp>

#include <doctest/doctest.h>

#include "support.hpp"

#include <boost/describe/class.hpp>

namespace v2 {
// The same aggregate after its state changed: value is now kept with the count of additions.
struct state {
  static constexpr int schema_version = 2;
  long total = 0;
  int additions = 0;
  void apply(const counter::Added& e) {
    total += e.amount;
    ++additions;
  }
  void apply(const counter::Doubled&) { total *= 2; }
};
BOOST_DESCRIBE_STRUCT(state, (), (total, additions))
inline auto decide(const state&, const counter::Add& c) -> chronicle::decision<counter::limit_exceeded, counter::Added> {
  return counter::Added{c.amount};
}
}  // namespace v2

namespace {

using store_t = chronicle::memory_store<counter::counter_event>;
using v1_aggregate = chronicle::aggregate<counter::state, counter::counter_event, chronicle::ignore<counter::Noted>,
                                          chronicle::snapshot_every<10>>;
using v2_aggregate = chronicle::aggregate<v2::state, counter::counter_event, chronicle::ignore<counter::Noted>,
                                          chronicle::snapshot_every<10>>;

static_assert(chronicle::snapshot_store<chronicle::json_snapshot_store<counter::state>, counter::state>);

TEST_CASE("snapshots are stored as JSON with the state's schema version") {
  store_t store;
  chronicle::memory_stored_snapshots table;
  chronicle::json_snapshot_store<counter::state> snapshots{table};
  chronicle::repository<v1_aggregate, store_t, decltype(snapshots)> counters{store, snapshots};
  for (int i = 0; i < 12; ++i) REQUIRE(counters.execute("c", counter::Add{1}));
  const auto stored = table.load("c");
  REQUIRE(stored);
  CHECK(stored->version == 10);
  CHECK(stored->schema_version == 1);
  CHECK(stored->payload == R"({"value":10})");
  CHECK(counters.load("c")->state.value == 12);
}

TEST_CASE("after the state type changes, an old snapshot is discarded and rebuilt by replay") {
  store_t inner;
  test::counting_store<store_t> store{inner};
  chronicle::memory_stored_snapshots table;  // outlives both "versions of the program"
  {
    chronicle::json_snapshot_store<counter::state> snapshots{table};
    chronicle::repository<v1_aggregate, decltype(store), decltype(snapshots)> old_code{store, snapshots};
    for (int i = 0; i < 25; ++i) REQUIRE(old_code.execute("c", counter::Add{2}));
    REQUIRE(table.load("c")->schema_version == 1);
    REQUIRE(table.load("c")->version == 20);
  }
  chronicle::json_snapshot_store<v2::state> snapshots{table};
  chronicle::repository<v2_aggregate, decltype(store), decltype(snapshots)> new_code{store, snapshots};

  store.reset();
  const auto first = new_code.load("c").value();
  CHECK(first.state.total == 50);
  CHECK(first.state.additions == 25);  // built by replay, not read from the old snapshot
  CHECK(store.delivered() == 25);
  const auto rebuilt = table.load("c");
  REQUIRE(rebuilt);
  CHECK(rebuilt->schema_version == 2);
  CHECK(rebuilt->version == 25);
  CHECK(rebuilt->payload == R"({"total":50,"additions":25})");

  store.reset();
  CHECK(new_code.load("c")->state.additions == 25);
  CHECK(store.delivered() == 1);  // the new snapshot serves the next load: only its own event is read
}

TEST_CASE("a snapshot of the current schema that no longer decodes is dropped") {
  chronicle::memory_stored_snapshots table;
  table.save("c", {5, 1, R"({"value":"five"})"});
  chronicle::json_snapshot_store<counter::state> snapshots{table};
  CHECK_FALSE(snapshots.load("c"));
  CHECK_FALSE(table.load("c"));
}

TEST_CASE("a stored snapshot is not replaced by an older one of the same schema") {
  chronicle::memory_stored_snapshots table;
  table.save("c", {5, 1, R"({"value":5})"});
  table.save("c", {3, 1, R"({"value":3})"});
  CHECK(table.load("c")->version == 5);
  table.save("c", {3, 2, R"({"total":3,"additions":3})"});  // another schema always replaces
  CHECK(table.load("c")->schema_version == 2);
}

}  // namespace
