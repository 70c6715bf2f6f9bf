#include <chronicle/repository.hpp>

#include <doctest/doctest.h>

#include "support.hpp"

#include <string>
#include <thread>
#include <vector>

namespace {

using namespace counter;
using chronicle::expected_version;
using store_t = chronicle::memory_store<counter_event>;

namespace describing {
struct refused {
  int code;
};
std::string describe(const refused& r) { return "refused " + std::to_string(r.code); }
struct silent {};
}  // namespace describing

TEST_CASE("describe makes one line of any command error, of the domain's through its own describe") {
  chronicle::command_error<describing::refused> e = describing::refused{7};
  CHECK(chronicle::describe(e) == "refused 7");
  e = chronicle::concurrency_conflict{"c", expected_version::exact(2), 3};
  CHECK(chronicle::describe(e) == "concurrency conflict on stream 'c': expected version 2, found version 3");
  e = chronicle::stream_not_found{"c"};
  CHECK(chronicle::describe(e) == "stream 'c' not found");
  static_assert(chronicle::describable<chronicle::store_error>);
  static_assert(chronicle::describable<chronicle::command_error<chronicle::no_error>>);  // a command that never fails
  static_assert(!chronicle::describable<chronicle::command_error<describing::silent>>);
}

TEST_CASE("execute loads, decides and appends; a rejection is a typed value") {
  store_t store;
  chronicle::repository<counter::aggregate, store_t> counters{store};

  auto added = counters.execute("c", Add{5});
  REQUIRE(added);
  CHECK(*added == chronicle::append_result{1, 1, 1});

  auto both = counters.execute("c", AddThenDouble{1});
  REQUIRE(both);
  CHECK(both->version == 3);
  CHECK(both->count == 2);
  CHECK(counters.load("c")->state.value == 12);
  CHECK(counters.load("c")->version == 3);

  auto rejected = counters.execute("c", Add{static_cast<int>(counter::limit)});
  REQUIRE(rejected.has_error());
  REQUIRE(rejected.error().index() == 0);  // the domain's error comes first
  CHECK(std::get<limit_exceeded>(rejected.error()).value == 12);
  CHECK(store.stream_version("c") == 3);

  auto nothing = counters.execute("c", DoNothing{});
  REQUIRE(nothing);
  CHECK(*nothing == chronicle::append_result{3, 0, 0});
  CHECK(store.head_position() == 3);
}

TEST_CASE("a fresh stream loads as the initial state at version 0") {
  store_t store;
  chronicle::repository<counter::aggregate, store_t> counters{store};
  const auto fresh = counters.load("nobody").value();
  CHECK(fresh.version == 0);
  CHECK(fresh.state.value == 0);
}

TEST_CASE("command options carry correlation and causation ids into the recorded events") {
  store_t store;
  chronicle::repository<counter::aggregate, store_t> counters{store};
  const auto correlation = test::new_id(), causation = test::new_id();
  REQUIRE(counters.execute("c", AddThenDouble{1}, {.max_retries = {}, .correlation_id = correlation, .causation_id = causation}));
  for (const auto& e : counters.history("c")) {
    CHECK(e.correlation_id == correlation);
    CHECK(e.causation_id == causation);
  }
}

// A store where another writer slips in an event before each of the first `interferences` appends.
class interfering_store : public store_t {
 public:
  int interferences = 0;
  int attempts = 0;
  auto append(std::string_view stream, expected_version expected,
              std::span<const chronicle::pending_event<counter_event>> batch) {
    ++attempts;
    if (interferences > 0) {
      --interferences;
      (void)store_t::append(stream, expected_version::any(), {test::pending<counter_event>(Added{100})});
    }
    return store_t::append(stream, expected, batch);
  }
};
static_assert(chronicle::event_store<interfering_store>);

TEST_CASE("a conflict is returned, or retried a bounded number of times") {
  interfering_store store;
  chronicle::repository<counter::aggregate, interfering_store> counters{store};

  SUBCASE("no retry by default") {
    store.interferences = 1;
    auto r = counters.execute("c", Add{1});
    REQUIRE(r.has_error());
    const auto& conflict = std::get<chronicle::concurrency_conflict>(r.error());
    CHECK(conflict.stream_id == "c");
    CHECK(conflict.expected == expected_version::no_stream());
    CHECK(conflict.actual == 1);
    CHECK(store.attempts == 1);
  }
  SUBCASE("a retry reloads and decides again") {
    store.interferences = 2;
    auto r = counters.execute("c", Add{1}, {.max_retries = 2});
    REQUIRE(r);
    CHECK(store.attempts == 3);
    CHECK(counters.load("c")->state.value == 201);
  }
  SUBCASE("retries are bounded") {
    store.interferences = 10;
    auto r = counters.execute("c", Add{1}, {.max_retries = 3});
    REQUIRE(r.has_error());
    CHECK(std::holds_alternative<chronicle::concurrency_conflict>(r.error()));
    CHECK(store.attempts == 4);
  }
}

TEST_CASE("the aggregate's retry_on_conflict policy sets the default retries") {
  using retrying = chronicle::aggregate<state, counter_event, chronicle::ignore<Noted>, chronicle::retry_on_conflict<2>>;
  interfering_store store;
  chronicle::repository<retrying, interfering_store> counters{store};
  store.interferences = 2;
  REQUIRE(counters.execute("c", Add{1}));
  CHECK(store.attempts == 3);
}

TEST_CASE("state as of a version and as of an instant; the audit trail") {
  store_t store;
  chronicle::repository<counter::aggregate, store_t> counters{store};
  REQUIRE(counters.execute("c", Add{1}));
  REQUIRE(counters.execute("c", Add{2}));
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  const auto between = chronicle::clock::now();
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  REQUIRE(counters.execute("c", Add{4}));

  CHECK(counters.load_at_version("c", 0).value().state.value == 0);
  CHECK(counters.load_at_version("c", 2).value().state.value == 3);
  CHECK(counters.load_at_version("c", 2).value().version == 2);
  CHECK(counters.load_at_version("c", 3).value().state.value == 7);

  auto beyond = counters.load_at_version("c", 4);
  REQUIRE(beyond.has_error());
  const auto& range = std::get<chronicle::version_out_of_range>(beyond.error());
  CHECK(range.requested == 4);
  CHECK(range.current == 3);
  auto unknown = counters.load_at_version("nobody", 1);
  REQUIRE(unknown.has_error());
  CHECK(std::get<chronicle::stream_not_found>(unknown.error()).stream_id == "nobody");
  CHECK_THROWS_AS((void)counters.load_at_version("nobody", 0).value(), chronicle::error_exception<chronicle::load_error>);

  const auto then = counters.load_as_of("c", between);
  REQUIRE(then);
  CHECK(then->state.value == 3);
  CHECK(then->version == 2);
  CHECK(counters.load_as_of("c", chronicle::clock::time_point{}).value().version == 0);
  CHECK(counters.load_as_of("c", chronicle::clock::now()).value().state.value == 7);
  CHECK(counters.load_as_of("nobody", chronicle::clock::now()).has_error());

  const auto trail = counters.history("c");
  REQUIRE(trail.size() == 3);
  for (std::size_t i = 0; i < trail.size(); ++i) {
    CHECK(trail[i].version == i + 1);
    CHECK(trail[i].stream_id == "c");
    CHECK(trail[i].type() == "Added");
    CHECK_FALSE(trail[i].id.is_nil());
  }
  CHECK(counters.history("nobody").empty());
}

using snapshotting = chronicle::aggregate<state, counter_event, chronicle::ignore<Noted>, chronicle::snapshot_every<10>>;

TEST_CASE("a load uses the latest snapshot and replays only the events after it") {
  store_t inner;
  test::counting_store<store_t> store{inner};
  chronicle::memory_snapshot_store<state> snapshots;
  chronicle::repository<snapshotting, test::counting_store<store_t>> counters{store, snapshots};

  for (int i = 1; i <= 25; ++i) REQUIRE(counters.execute("c", Add{1}));
  const auto snap = snapshots.load("c");
  REQUIRE(snap);
  CHECK(snap->version == 20);
  CHECK(snap->state.value == 20);
  CHECK(snap->schema_version == chronicle::state_schema_version_v<state>);

  store.reset();
  const auto loaded = counters.load("c").value();
  CHECK(loaded.state.value == 25);
  CHECK(loaded.version == 25);
  // The delta after version 20, and the snapshot's own event, read but not applied (the value is 25,
  // not 26): that it is there shows the stream reaches the snapshot, in the same single lookup.
  CHECK(store.delivered() == 6);
  CHECK(store.lookups() == 1);

  store.reset();
  CHECK(counters.load_at_version("c", 13).value().state.value == 13);
  CHECK(store.delivered() == 13);  // the snapshot at 20 is past version 13, so it is not used
  store.reset();
  CHECK(counters.load_at_version("c", 22).value().state.value == 22);
  CHECK(store.delivered() == 2);
}

TEST_CASE("a snapshot of another state schema, or ahead of its stream, is ignored and the stream replayed") {
  store_t inner;
  test::counting_store<store_t> store{inner};
  chronicle::memory_snapshot_store<state> snapshots;
  chronicle::repository<snapshotting, test::counting_store<store_t>> counters{store, snapshots};
  for (int i = 1; i <= 5; ++i) REQUIRE(counters.execute("c", Add{1}));

  snapshots.save("c", {4, chronicle::state_schema_version_v<state> + 1, state{-999}});  // written by other code
  store.reset();
  CHECK(counters.load("c")->state.value == 5);
  CHECK(store.delivered() == 5);

  snapshots.save("c", {50, chronicle::state_schema_version_v<state>, state{-999}});  // from a store that is gone
  store.reset();
  CHECK(counters.load("c")->state.value == 5);
  CHECK(store.delivered() == 5);
  CHECK(store.lookups() == 2);  // the read from the snapshot's own event finds nothing; the load starts over
}

struct on_multiples_of_seven {
  bool operator()(const state& s, std::uint64_t, std::uint64_t) const { return s.value % 7 == 0; }
};

TEST_CASE("a custom snapshot predicate decides when to snapshot") {
  using custom = chronicle::aggregate<state, counter_event, chronicle::ignore<Noted>,
                                      chronicle::snapshot_when<on_multiples_of_seven>>;
  store_t store;
  chronicle::repository<custom, store_t> counters{store};  // owns an in-memory snapshot store
  for (int i = 1; i <= 10; ++i) REQUIRE(counters.execute("c", Add{1}));
  const auto snap = counters.snapshots().load("c");
  REQUIRE(snap);
  CHECK(snap->version == 7);
}

// One store, one global order, for two aggregates whose event sets are parts of the store's.
struct Renamed {
  static constexpr std::string_view event_name = "Renamed";
  std::string name;
};
using label_event = std::variant<Renamed>;
struct label {
  std::string name;
  void apply(const Renamed& e) { name = e.name; }
};
struct Rename {
  std::string name;
};
struct no_error {};
inline auto decide(const label&, const Rename& c) -> chronicle::decision<no_error, Renamed> { return Renamed{c.name}; }
using label_aggregate = chronicle::aggregate<label, label_event>;
using shared_event = std::variant<Added, Doubled, Noted, Renamed>;

TEST_CASE("aggregates whose event sets are parts of the store's share one store and one global order") {
  chronicle::memory_store<shared_event> store;
  chronicle::repository<counter::aggregate, decltype(store)> counters{store};
  chronicle::repository<label_aggregate, decltype(store)> labels{store};
  REQUIRE(counters.execute("c", Add{2}));
  REQUIRE(labels.execute("l", Rename{"first"}));
  REQUIRE(counters.execute("c", AddThenDouble{1}));
  CHECK(counters.load("c")->state.value == 6);
  CHECK(labels.load("l")->state.name == "first");
  CHECK(store.head_position() == 4);
  CHECK(counters.history("c").back().type() == "Doubled");

  // A counter stream holding a label event was written by other code: loading it is an error value,
  // not a skip and not an exception, for loads and commands alike.
  REQUIRE(store.append("c", expected_version::any(), {test::pending<shared_event>(Renamed{"stray"})}));
  const auto loaded = counters.load("c");
  REQUIRE(loaded.has_error());
  CHECK(loaded.error() == chronicle::foreign_event{"c", 4, "Renamed"});
  CHECK(chronicle::describe(loaded.error()) == "stream 'c' holds event 'Renamed' at version 4, which its aggregate does not know");
  CHECK(std::get<chronicle::foreign_event>(counters.load_at_version("c", 4).error()).version == 4);
  CHECK(counters.load_at_version("c", 3)->state.value == 6);  // the state before it is still there
  CHECK(std::holds_alternative<chronicle::foreign_event>(counters.load_as_of("c", chronicle::clock::now()).error()));
  const auto command = counters.execute("c", Add{1});
  REQUIRE(command.has_error());
  CHECK(std::get<chronicle::foreign_event>(command.error()).type == "Renamed");
  CHECK(store.stream_version("c") == 4);  // nothing appended
  // A command to another aggregate's stream id, the way a process manager may send one by mistake.
  const auto crossed = counters.execute("l", Add{1});
  REQUIRE(crossed.has_error());
  CHECK(std::get<chronicle::foreign_event>(crossed.error()) == chronicle::foreign_event{"l", 1, "Renamed"});
}

TEST_CASE("an event the aggregate does not know right after its snapshot is an error, not skipped") {
  using snapshotting_counter = chronicle::aggregate<state, counter_event, chronicle::ignore<Noted>, chronicle::snapshot_every<2>>;
  chronicle::memory_store<shared_event> store;
  chronicle::memory_snapshot_store<state> snapshots;
  chronicle::repository<snapshotting_counter, decltype(store), decltype(snapshots)> counters{store, snapshots};
  REQUIRE(counters.execute("c", Add{1}));
  REQUIRE(counters.execute("c", Add{1}));
  REQUIRE(snapshots.load("c"));
  CHECK(snapshots.load("c")->version == 2);
  // The fold starts at the snapshot's own event (2), which it skips; the next one is foreign.
  REQUIRE(store.append("c", expected_version::exact(2), {test::pending<shared_event>(Renamed{"stray"})}));
  const auto loaded = counters.load("c");
  REQUIRE(loaded.has_error());
  CHECK(loaded.error() == chronicle::foreign_event{"c", 3, "Renamed"});
  const auto command = counters.execute("c", Add{1});
  REQUIRE(command.has_error());
  CHECK(std::get<chronicle::foreign_event>(command.error()).version == 3);
  CHECK(store.stream_version("c") == 3);  // nothing appended
}

// A snapshot store whose saves fail, like a full disk would.
struct failing_snapshots {
  void save(std::string_view, const chronicle::snapshot<state>&) { throw std::runtime_error("disk full"); }
  std::optional<chronicle::snapshot<state>> load(std::string_view) const { return std::nullopt; }
};

TEST_CASE("a snapshot that cannot be saved does not turn a recorded command into an error") {
  store_t store;
  failing_snapshots snapshots;
  chronicle::repository<snapshotting, store_t, failing_snapshots> counters{store, snapshots};
  for (int i = 0; i < 15; ++i) REQUIRE(counters.execute("c", Add{1}));  // a snapshot falls due at 10
  CHECK(store.stream_version("c") == 15);
  CHECK(counters.load("c")->state.value == 15);
}

}  // namespace
