#pragma once
// The storage contract as one suite: every family of stores runs these cases. A new family plugs in
// with a fixture type (a default-constructible struct holding a fresh, empty event `store` of
// counter_event, a snapshot store `snapshots` of counter::state and a `checkpoints` store) and one line:
//   TEST_CASE_TEMPLATE_INVOKE(store_contract, my_fixture);
#include <chronicle/checkpoint_store.hpp>
#include <chronicle/event_store.hpp>
#include <chronicle/json/lines.hpp>
#include <chronicle/projecting_store.hpp>
#include <chronicle/read_model.hpp>
#include <chronicle/repository.hpp>
#include <chronicle/subscription.hpp>

#include <doctest/doctest.h>

#include "support.hpp"

#include <chrono>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

namespace conformance {

using counter::Added;
using counter::counter_event;
using counter::Doubled;
using counter::Noted;
using chronicle::expected_version;
using test::pending;

template <class Store>
std::vector<std::uint64_t> versions(const Store& store, std::string_view stream, std::uint64_t from = 1) {
  std::vector<std::uint64_t> out;
  store.read_stream(stream, from, [&](const auto& r) { out.push_back(r.version); });
  return out;
}

struct added_count {
  using handles = chronicle::events<Added>;
  int added = 0;
  void when(const Added&) { ++added; }
};

struct noted_bytes {
  using handles = chronicle::events<Noted>;
  std::size_t notes = 0;
  std::size_t bytes = 0;
  void when(const Noted& e) {
    ++notes;
    bytes += e.text.size();
  }
};

// `count` events of `size` bytes each into stream "big", in appends of `per_append`; then every read
// path (stream, fold, global order, repository, read model, subscription) and an export and import
// into `fresh` must give them all back.
template <class Store>
void large_events_read_back(Store& store, Store& fresh, std::size_t count, std::size_t size, std::size_t per_append) {
  const auto note = [&](std::size_t i) { return std::string(size - 8, 'x') + std::to_string(10'000'000 + i); };
  for (std::size_t done = 0; done < count; done += per_append) {
    std::vector<chronicle::pending_event<counter_event>> batch;
    for (std::size_t i = done; i < std::min(count, done + per_append); ++i) batch.push_back(pending<counter_event>(Noted{note(i)}));
    REQUIRE(store.append("big", expected_version::any(), batch));
  }
  const std::size_t total = count * size;
  std::size_t seen = 0, bytes = 0;
  const auto tally = [&](const counter_event& e) {
    ++seen;
    bytes += std::get<Noted>(e).text.size();
  };
  CHECK(store.read_stream("big", 1, [&](const auto& r) { tally(r.event); }) == count);
  CHECK(bytes == total);
  seen = bytes = 0;
  CHECK(chronicle::detail::read_events(store, "big", 1, [&](std::uint64_t, const counter_event& e) { tally(e); }) == count);
  CHECK(bytes == total);
  seen = bytes = 0;
  std::string last;
  CHECK(store.read_all(1, [&](const auto& r) {
    tally(r.event);
    last = std::get<Noted>(r.event).text;
  }) == count);
  CHECK(bytes == total);
  CHECK(last == note(count - 1));
  chronicle::repository<counter::aggregate, Store> counters{store};
  CHECK(counters.load("big")->version == count);
  chronicle::read_model<noted_bytes> caught;
  CHECK(caught.catch_up(store) == count);
  CHECK(caught.read([](const noted_bytes& m) { return m.bytes; }) == total);
  chronicle::read_model<noted_bytes> subscribed;
  {
    chronicle::subscription<Store, chronicle::read_model<noted_bytes>> feed{store, subscribed};
    feed.start();
    CHECK(subscribed.wait_for(count, std::chrono::minutes(5)));
  }
  CHECK(subscribed.read([](const noted_bytes& m) { return m.notes; }) == count);
  CHECK_FALSE(subscribed.failure());

  std::stringstream dump;
  CHECK(chronicle::export_json_lines(store, dump) == count);
  const auto imported = chronicle::import_json_lines(dump, fresh);
  REQUIRE(imported);
  CHECK(*imported == count);
  seen = bytes = 0;
  CHECK(fresh.read_all(1, [&](const auto& r) { tally(r.event); }) == count);
  CHECK(bytes == total);
}

TEST_CASE_TEMPLATE_DEFINE("store contract: versions, positions, reads", Fixture, store_contract) {
  Fixture f;
  auto& store = f.store;
  static_assert(chronicle::event_store<std::remove_cvref_t<decltype(store)>>);
  CHECK(store.head_position() == 0);

  SUBCASE("appends number versions per stream and positions across streams") {
    auto a = store.append("a", expected_version::no_stream(), {pending<counter_event>(Added{1}), pending<counter_event>(Doubled{})});
    REQUIRE(a);
    CHECK(*a == chronicle::append_result{2, 2, 2});
    REQUIRE(store.append("b", expected_version::any(), {pending<counter_event>(Added{5})}));
    auto a2 = store.append("a", expected_version::exact(2), {pending<counter_event>(Noted{"n"})});
    REQUIRE(a2);
    CHECK(*a2 == chronicle::append_result{3, 4, 1});
    CHECK(store.stream_version("a") == 3);
    CHECK(store.stream_version("nobody") == 0);
    CHECK(store.head_position() == 4);
    CHECK(versions(store, "a") == std::vector<std::uint64_t>{1, 2, 3});
    CHECK(versions(store, "a", 3) == std::vector<std::uint64_t>{3});
    CHECK(versions(store, "a", 0).size() == 3);
    CHECK(versions(store, "a", 9).empty());
    std::vector<std::pair<std::string, std::uint64_t>> all;
    store.read_all(0, [&](const auto& r) { all.emplace_back(r.stream_id, r.position); });
    CHECK(all == std::vector<std::pair<std::string, std::uint64_t>>{{"a", 1}, {"a", 2}, {"b", 3}, {"a", 4}});
    CHECK(store.read_all(2, [](const auto&) { return false; }) == 1);
  }

  SUBCASE("events come back as they went in, envelopes included") {
    const auto id = test::new_id(), correlation = test::new_id(), causation = test::new_id();
    REQUIRE(store.append("s", expected_version::any(),
                         {chronicle::pending_event<counter_event>{Noted{"quote\" \xc3\xa9"}, id, correlation, causation}}));
    std::vector<chronicle::recorded_event<counter_event>> seen;
    store.read_stream("s", 1, [&](const auto& r) { seen.push_back(r); });
    REQUIRE(seen.size() == 1);
    CHECK(seen[0].id == id);
    CHECK(seen[0].correlation_id == correlation);
    CHECK(seen[0].causation_id == causation);
    CHECK(seen[0].type() == "Noted");
    CHECK(std::get<Noted>(seen[0].event).text == "quote\" \xc3\xa9");
    CHECK(seen[0].recorded_at.time_since_epoch().count() > 0);
  }

  SUBCASE("expected versions are checked, and a conflict says what it found") {
    REQUIRE(store.append("s", expected_version::no_stream(), {pending<counter_event>(Added{1})}));
    auto again = store.append("s", expected_version::no_stream(), {pending<counter_event>(Added{2})});
    REQUIRE(again.has_error());
    const auto& conflict = std::get<chronicle::concurrency_conflict>(again.error());
    CHECK(conflict.stream_id == "s");
    CHECK(conflict.actual == 1);
    CHECK(store.append("s", expected_version::stream_exists(), {pending<counter_event>(Added{2})}));
    CHECK(store.append("t", expected_version::stream_exists(), {pending<counter_event>(Added{2})}).has_error());
    CHECK(store.append("s", expected_version::exact(1), {pending<counter_event>(Added{2})}).has_error());
    CHECK(store.stream_version("s") == 2);
    CHECK(store.head_position() == 2);
  }

  SUBCASE("idempotent re-append; duplicates and partial overlaps refused whole") {
    const std::vector batch{pending<counter_event>(Added{1}, test::new_id()), pending<counter_event>(Doubled{}, test::new_id())};
    auto first = store.append("s", expected_version::no_stream(), batch);
    REQUIRE(first);
    auto retried = store.append("s", expected_version::no_stream(), batch);
    REQUIRE(retried);
    CHECK(*retried == *first);
    // By ids alone: a run of recorded events, in their order at their place, gets that run's result,
    // and payloads are not compared.
    const auto head = store.append("s", expected_version::no_stream(), {batch[0]});
    REQUIRE(head);
    CHECK(*head == chronicle::append_result{1, store.find_event(batch[0].id)->position, 1});
    const auto tail = store.append("s", expected_version::any(), {pending<counter_event>(Added{99}, batch[1].id)});
    REQUIRE(tail);
    CHECK(*tail == chronicle::append_result{2, first->position, 1});
    CHECK(store.head_position() == 2);
    CHECK(store.append("t", expected_version::any(), batch).has_error());
    auto partial = store.append("s", expected_version::any(), {batch[0], pending<counter_event>(Added{3}, test::new_id())});
    REQUIRE(partial.has_error());
    CHECK(std::holds_alternative<chronicle::duplicate_event>(partial.error()));
    const auto twice = test::new_id();
    CHECK(store.append("u", expected_version::any(), {pending<counter_event>(Added{1}, twice), pending<counter_event>(Added{2}, twice)})
              .has_error());
    CHECK(store.stream_version("u") == 0);
    CHECK(store.head_position() == 2);
    auto next = store.append("s", expected_version::exact(2), {pending<counter_event>(Added{1})});
    REQUIRE(next);
    CHECK(next->position == 3);  // no gap after refused appends
    // A batch longer than a database's read chunk is recognised whole.
    std::vector<chronicle::pending_event<counter_event>> long_batch;
    for (int i = 0; i < 1200; ++i) long_batch.push_back(pending<counter_event>(Added{i}, test::new_id()));
    const auto long_first = store.append("long", expected_version::no_stream(), long_batch);
    REQUIRE(long_first);
    const auto long_again = store.append("long", expected_version::any(), long_batch);
    REQUIRE(long_again);
    CHECK(*long_again == *long_first);
    CHECK(store.head_position() == 1203);
  }

  SUBCASE("a global read also delivers what its callback appends") {
    REQUIRE(store.append("s", expected_version::any(), {pending<counter_event>(Added{1})}));
    std::vector<std::uint64_t> positions;
    store.read_all(1, [&](const auto& r) {
      positions.push_back(r.position);
      if (r.position < 3) REQUIRE(store.append("t", expected_version::any(), {pending<counter_event>(Added{2})}));
    });
    CHECK(positions == std::vector<std::uint64_t>{1, 2, 3});
  }

  SUBCASE("bad input has a defined outcome") {
    CHECK(std::holds_alternative<chronicle::invalid_stream_id>(
        store.append("", expected_version::any(), {pending<counter_event>(Added{1})}).error()));
    const std::string huge(chronicle::max_stream_id_size + 1, 'x');
    CHECK(std::holds_alternative<chronicle::invalid_stream_id>(
        store.append(huge, expected_version::any(), {pending<counter_event>(Added{1})}).error()));
    CHECK(std::holds_alternative<chronicle::empty_batch>(
        store.append("s", expected_version::any(), std::span<const chronicle::pending_event<counter_event>>{}).error()));
    CHECK(versions(store, "").empty());
    // Any bytes make a stream id: quotes, NUL, newlines, UTF-8; SQL text is never built from them.
    for (const std::string& odd : {std::string("'); DROP TABLE events; --"), std::string("nul\0inside", 10),
                                  std::string("line\nbreak"), std::string("\xf0\x9f\x93\xa6 \xc3\xa9"),
                                  std::string(chronicle::max_stream_id_size, 'y')}) {
      REQUIRE(store.append(odd, expected_version::no_stream(), {pending<counter_event>(Added{1})}));
      CHECK(store.stream_version(odd) == 1);
      CHECK(versions(store, odd) == std::vector<std::uint64_t>{1});
    }
    CHECK(store.stream_version(std::string("nul")) == 0);
    CHECK(store.head_position() == 5);
  }

  SUBCASE("every position and version reads alike, up to 2^64 - 1") {
    REQUIRE(store.append("s", expected_version::any(), {pending<counter_event>(Added{1}), pending<counter_event>(Added{2})}));
    constexpr std::uint64_t top = std::numeric_limits<std::uint64_t>::max();
    for (const std::uint64_t far : {std::uint64_t{1} << 62, (std::uint64_t{1} << 63) - 1, std::uint64_t{1} << 63,
                                    (std::uint64_t{1} << 63) + 1, top - 1, top}) {
      CAPTURE(far);
      CHECK(store.read_all(far, [](const auto&) {}) == 0);
      CHECK(store.read_stream("s", far, [](const auto&) {}) == 0);
      CHECK(chronicle::detail::read_events(store, "s", far, [](std::uint64_t, const counter_event&) {}) == 0);
      CHECK(store.append("s", expected_version::exact(far), {pending<counter_event>(Added{3})}).has_error());
      chronicle::repository<counter::aggregate, std::remove_cvref_t<decltype(store)>> counters{store};
      CHECK(std::holds_alternative<chronicle::version_out_of_range>(counters.load_at_version("s", far).error()));
    }
    CHECK(store.read_all(2, [](const auto&) {}) == 1);
    CHECK(store.stream_version("s") == 2);
  }

  SUBCASE("events of 5 KiB read back through every path, 10,000 of them") {
    Fixture g;
    large_events_read_back(store, g.store, 10'000, 5 * 1024, 100);
  }

  SUBCASE("events of 1 MiB read back through every path, 100 of them") {
    Fixture g;
    large_events_read_back(store, g.store, 100, 1024 * 1024, 4);
  }

  SUBCASE("a recorded event is found by its id") {
    if constexpr (requires { store.find_event(chronicle::event_id{}); }) {
      const auto id = test::new_id();
      REQUIRE(store.append("a", expected_version::any(), {pending<counter_event>(Added{1})}));
      REQUIRE(store.append("b", expected_version::any(), {pending<counter_event>(Added{1}), pending<counter_event>(Added{2}, id)}));
      CHECK(store.find_event(id) == chronicle::event_location{"b", 2, 3});
      CHECK_FALSE(store.find_event(test::new_id()));
      CHECK_FALSE(store.find_event(chronicle::event_id{}));
    } else {
      FAIL("the store has no find_event");
    }
  }

  SUBCASE("a command sent again with its idempotency key appends nothing and returns its first result") {
    chronicle::repository<counter::aggregate, std::remove_cvref_t<decltype(store)>> counters{store};
    chronicle::command_options once;
    once.idempotency_key = test::new_id();
    const auto first = counters.execute("c", counter::AddThenDouble{1}, once);
    REQUIRE(first);
    REQUIRE(counters.execute("c", counter::Add{5}));
    const auto again = counters.execute("c", counter::AddThenDouble{1}, once);  // the stream moved on
    REQUIRE(again);
    CHECK(*again == *first);
    CHECK(store.stream_version("c") == 3);
    CHECK(counters.history("c")[0].id == chronicle::derived_event_id(once.idempotency_key, 0));
    CHECK(counters.history("c")[1].id == chronicle::derived_event_id(once.idempotency_key, 1));
    const auto elsewhere = counters.execute("d", counter::AddThenDouble{1}, once);  // the key's events are c's
    REQUIRE(elsewhere.has_error());
    CHECK(std::holds_alternative<chronicle::duplicate_event>(elsewhere.error()));
    // Ids given one by one work the same.
    const chronicle::event_id ids[] = {test::new_id()};
    chronicle::command_options given;
    given.event_ids = ids;
    REQUIRE(counters.execute("e", counter::Add{2}, given));
    CHECK(counters.execute("e", counter::Add{2}, given).value() == chronicle::append_result{1, 4, 1});
    CHECK(counters.history("e").at(0).id == ids[0]);
    CHECK(store.head_position() == 4);
    // Fewer ids than events: the rest derive from the first, so a re-send is recognised whole.
    const chronicle::event_id one[] = {test::new_id()};
    chronicle::command_options partly;
    partly.event_ids = one;
    const auto two = counters.execute("f", counter::AddThenDouble{1}, partly);
    REQUIRE(two);
    CHECK(counters.execute("f", counter::AddThenDouble{1}, partly).value() == *two);
    CHECK(counters.history("f").at(1).id == chronicle::derived_event_id(one[0], 1));
    CHECK(store.head_position() == 6);
  }

  SUBCASE("snapshots over any store: only the delta is replayed; another schema's snapshot is ignored") {
    using store_type = std::remove_cvref_t<decltype(store)>;
    using snapshotting = chronicle::aggregate<counter::state, counter_event, chronicle::ignore<Noted>,
                                              chronicle::snapshot_every<4>>;
    test::counting_store<store_type> counted{store};
    auto& snapshots = f.snapshots;
    using snapshots_type = std::remove_cvref_t<decltype(snapshots)>;
    chronicle::repository<snapshotting, test::counting_store<store_type>, snapshots_type> counters{counted, snapshots};
    for (int i = 0; i < 10; ++i) REQUIRE(counters.execute("c", counter::Add{1}));
    CHECK(snapshots.load("c")->version == 8);
    counted.reset();
    CHECK(counters.load("c")->state.value == 10);
    CHECK(counted.delivered() == 3);  // events 9 and 10, and 8 (the snapshot's, read to see the stream reaches it)
    CHECK(counted.lookups() == 1);
    // A store with read_events (a database's: no envelopes built) is read through it.
    constexpr bool reads_events = requires(const store_type& s, void (*fold)(std::uint64_t, const counter_event&)) {
      s.read_events("c", 1, fold);
    };
    CHECK(counted.event_reads() == (reads_events ? 1 : 0));
    // A newer schema's snapshot (a newer binary's, in a rolling deploy) is ignored and left for it;
    // an older one is ignored and replaced, so the replay in full happens once.
    constexpr int current_schema = chronicle::state_schema_version_v<counter::state>;
    snapshots.save("c", {9, current_schema + 1, counter::state{-1}});
    counted.reset();
    CHECK(counters.load("c")->state.value == 10);
    CHECK(counted.delivered() == 10);
    CHECK(snapshots.load("c")->schema_version == current_schema + 1);
    CHECK(snapshots.load("c")->version == 9);
    snapshots.save("c", {9, current_schema - 1, counter::state{-1}});
    counted.reset();
    CHECK(counters.load("c")->state.value == 10);
    CHECK(counted.delivered() == 10);  // replayed in full, and a current snapshot saved in its place
    CHECK(snapshots.load("c")->version == 10);
    counted.reset();
    CHECK(counters.load("c")->state.value == 10);  // a snapshot at the stream's head: one lookup, one event read
    CHECK(counted.delivered() == 1);
    CHECK(counted.lookups() == 1);
    CHECK(snapshots.load("c")->schema_version == chronicle::state_schema_version_v<counter::state>);
  }

  SUBCASE("a checkpoint store keeps positions by name, any bytes, until erased") {
    auto& checkpoints = f.checkpoints;
    static_assert(chronicle::checkpoint_store<std::remove_cvref_t<decltype(checkpoints)>>);
    const std::string odd[] = {"it's \"quoted\"", std::string("nul\0byte", 8), "line\nbreak", "\xc3\xa9t\xc3\xa9 \xf0\x9f\x93\xa6",
                               std::string(1024, 'x')};
    CHECK(checkpoints.load("fulfilment") == 0);
    checkpoints.save("fulfilment", 7);
    checkpoints.save("fulfilment", 9);
    for (std::size_t i = 0; i < std::size(odd); ++i) checkpoints.save(odd[i], 100 + i);
    CHECK(checkpoints.load("fulfilment") == 9);
    for (std::size_t i = 0; i < std::size(odd); ++i) CHECK(checkpoints.load(odd[i]) == 100 + i);
    CHECK(checkpoints.load(std::string("nul")) == 0);
    checkpoints.erase("fulfilment");
    checkpoints.erase("never saved");
    CHECK(checkpoints.load("fulfilment") == 0);
    CHECK(checkpoints.load(odd[1]) == 101);
    checkpoints.save("fulfilment", 3);  // back to any position after a rebuild
    CHECK(checkpoints.load("fulfilment") == 3);
  }

  SUBCASE("a fold reads the same events and versions as read_stream") {
    for (int batch = 0; batch < 16; ++batch) {  // 1,067 events in "a": a database reads that in three chunks
      std::vector<chronicle::pending_event<counter_event>> a, b;
      for (int i = batch * 100 + 1; i <= batch * 100 + 100; ++i) (i % 3 ? a : b).push_back(pending<counter_event>(Added{i}));
      REQUIRE(store.append("a", expected_version::any(), a));
      REQUIRE(store.append("b", expected_version::any(), b));
    }
    const auto amount = [](const counter_event& e) {
      return chronicle::visit_event(e, [](const auto& x) {
        if constexpr (requires { x.amount; }) return x.amount;
        return 0;
      });
    };
    std::vector<std::pair<std::uint64_t, int>> folded, read;
    chronicle::detail::read_events(store, "a", 2, [&](std::uint64_t version, const counter_event& e) {
      folded.emplace_back(version, amount(e));
    });
    store.read_stream("a", 2, [&](const auto& r) { read.emplace_back(r.version, amount(r.event)); });
    CHECK(folded.size() == 1066);
    CHECK(folded == read);
    std::uint64_t expected_position = 0;
    bool in_order = true;
    CHECK(store.read_all(1, [&](const auto& r) { in_order = in_order && r.position == ++expected_position; }) == 1600);
    CHECK(in_order);
    std::size_t seen = 0;
    CHECK(chronicle::detail::read_events(store, "a", 1, [&](std::uint64_t, const counter_event&) { return ++seen < 5; }) == 5);
    CHECK(chronicle::detail::read_events(store, "nobody", 1, [&](std::uint64_t, const counter_event&) {}) == 0);
  }

  SUBCASE("inline projections over any store apply each event once, also those appended around them") {
    using store_type = std::remove_cvref_t<decltype(store)>;
    constexpr bool reports = test::reports_records<store_type>;
    test::counting_store<store_type> counted{store};
    chronicle::read_model<added_count> model;
    chronicle::projecting_store<test::counting_store<store_type>, decltype(model)> projecting{counted, model};
    counted.reset();
    REQUIRE(projecting.append("c", expected_version::any(), {pending<counter_event>(Added{1}), pending<counter_event>(Added{1})}));
    CHECK(model.checkpoint() == 2);
    CHECK(counted.global_reads() == (reports ? 0 : 1));  // a store that reports its batch is not read back
    REQUIRE(store.append("d", expected_version::any(), {pending<counter_event>(Added{1})}));  // not through it
    REQUIRE(projecting.append("c", expected_version::any(), {pending<counter_event>(Added{1})}));
    CHECK(model.checkpoint() == 4);  // behind the batch: it read the store
    const auto replayed = pending<counter_event>(Added{1}, test::new_id());
    REQUIRE(projecting.append("e", expected_version::any(), {replayed}));
    REQUIRE(projecting.append("e", expected_version::any(), {replayed}));  // a re-append writes nothing
    CHECK(model.checkpoint() == 5);
    CHECK(model.read([](const added_count& m) { return m.added; }) == 5);
    model.reset();  // a model that starts over is not served from the batch: it reads everything
    REQUIRE(projecting.append("c", expected_version::any(), {pending<counter_event>(Added{1})}));
    CHECK(model.checkpoint() == 6);
    CHECK(model.read([](const added_count& m) { return m.added; }) == 6);
    if constexpr (reports) {
      // What the store reports as written is what it reads back.
      const std::vector batch{chronicle::pending_event<counter_event>{Added{7}, {}, test::new_id(), test::new_id()},
                              pending<counter_event>(Doubled{})};
      std::vector<chronicle::recorded_event<counter_event>> reported, read;
      REQUIRE(store.append("f", expected_version::no_stream(), std::span<const chronicle::pending_event<counter_event>>(batch),
                           [&](std::span<const chronicle::recorded_event<counter_event>> written) {
                             reported.assign(written.begin(), written.end());
                           }));
      store.read_stream("f", 1, [&](const auto& r) { read.push_back(r); });
      REQUIRE(reported.size() == 2);
      REQUIRE(read.size() == 2);
      for (std::size_t i = 0; i < 2; ++i) {
        CHECK(reported[i].position == read[i].position);
        CHECK(reported[i].version == read[i].version);
        CHECK(reported[i].id == read[i].id);
        CHECK(reported[i].correlation_id == read[i].correlation_id);
        CHECK(reported[i].causation_id == read[i].causation_id);
        CHECK(reported[i].recorded_at == read[i].recorded_at);
        CHECK(reported[i].stream_id == read[i].stream_id);
        CHECK(reported[i].event == read[i].event);
      }
    }
  }

  SUBCASE("checkpoints over any store: a read model resumes where it stopped") {
    for (int i = 0; i < 3; ++i) REQUIRE(store.append("c", expected_version::any(), {pending<counter_event>(Added{1})}));
    chronicle::read_model<added_count> model;
    CHECK(model.catch_up(store) == 3);
    REQUIRE(store.append("d", expected_version::any(), {pending<counter_event>(Doubled{}), pending<counter_event>(Added{1})}));
    CHECK(model.catch_up(store) == 2);
    CHECK(model.checkpoint() == 5);
    CHECK(model.read([](const added_count& m) { return m.added; }) == 4);
  }

  SUBCASE("temporal loads and snapshots work the same over any store") {
    chronicle::repository<counter::aggregate, std::remove_cvref_t<decltype(store)>> counters{store};
    REQUIRE(counters.execute("c", counter::Add{2}));
    REQUIRE(counters.execute("c", counter::AddThenDouble{1}));
    CHECK(counters.load("c")->state.value == 6);
    CHECK(counters.load_at_version("c", 1).value().state.value == 2);
    CHECK(counters.load_as_of("c", chronicle::clock::now()).value().version == 3);
    CHECK(counters.history("c").size() == 3);
  }
}

}  // namespace conformance
