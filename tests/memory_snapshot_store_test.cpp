#include <chronicle/memory_snapshot_store.hpp>

#include <doctest/doctest.h>

#include <string>

namespace {

struct state {
  int value = 0;
};
static_assert(chronicle::snapshot_store<chronicle::memory_snapshot_store<state>, state>);
static_assert(chronicle::snapshot_store<chronicle::no_snapshots<state>, state>);

struct versioned_state {
  static constexpr int schema_version = 3;
};
static_assert(chronicle::state_schema_version_v<state> == 1);
static_assert(chronicle::state_schema_version_v<versioned_state> == 3);

TEST_CASE("the snapshot store keeps the latest snapshot per stream") {
  chronicle::memory_snapshot_store<state> snapshots;
  CHECK_FALSE(snapshots.load("a").has_value());
  snapshots.save("a", {5, 1, {50}});
  snapshots.save("a", {3, 1, {30}});  // older: ignored
  snapshots.save("b", {1, 1, {10}});
  REQUIRE(snapshots.load("a").has_value());
  CHECK(snapshots.load("a")->version == 5);
  CHECK(snapshots.load("a")->state.value == 50);
  CHECK(snapshots.load("b")->state.value == 10);
  snapshots.save("a", {9, 1, {90}});
  CHECK(snapshots.load("a")->state.value == 90);
}

}  // namespace
