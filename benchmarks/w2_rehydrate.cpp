// W2: one stream of 10,000 events (OrderPlaced, then 9,999 OrderNoteAdded{text}) loaded and folded
// into the order state; again with a snapshot every 100 events (the load then starts from the latest
// snapshot, at version 10,000, and replays what follows it).
#include "baseline.hpp"
#include "common.hpp"

#include <benchmark/benchmark.h>

#include <cstddef>
#include <string>

namespace {

using store_type = chronicle::memory_store<bench::noted_event>;

const orders::PlaceOrder& place_command() {
  static const orders::PlaceOrder place = [] {
    orders::PlaceOrder p;
    p.user_id = bench::seeded_uuids(7)();
    p.product_id = "sku-42";
    p.quantity = 2;
    p.unit_price = orders::money{1999};
    return p;
  }();
  return place;
}
const std::string& stream_id() {
  static const std::string id = boost::uuids::to_string(bench::seeded_uuids(8)());
  return id;
}

struct chronicle_stream {
  store_type store;
  chronicle::repository<bench::noted_aggregate, store_type> repository{store};
  chronicle::memory_store<bench::noted_event> snapshotted_store;
  chronicle::repository<bench::noted_snapshot_aggregate, store_type> snapshotted{snapshotted_store};

  chronicle_stream() {
    const auto& place = place_command();
    (void)store.append(stream_id(), chronicle::expected_version::no_stream(),
                       {{orders::OrderPlaced{place.user_id, place.product_id, place.quantity, place.unit_price}}});
    for (std::size_t v = 1; v < bench::w2_events; ++v)
      (void)store.append(stream_id(), chronicle::expected_version::exact(v), {{bench::OrderNoteAdded{bench::note_text(v)}}});
    // Through the command path, so that the repository takes its snapshots as it would in use.
    (void)snapshotted.execute(stream_id(), place);
    for (std::size_t v = 1; v < bench::w2_events; ++v) (void)snapshotted.execute(stream_id(), bench::AddNote{bench::note_text(v)});
  }
};

struct baseline_stream {
  baseline::store store;
  baseline::store snapshotted_store;
  baseline::order_handler snapshotted{snapshotted_store};

  baseline_stream() {
    const auto& place = place_command();
    baseline::pending first{{baseline::event_kind::order_placed, place.quantity, place.unit_price.cents, place.user_id, place.product_id}};
    (void)store.append(stream_id(), 0, std::span(&first, 1));
    for (std::size_t v = 1; v < bench::w2_events; ++v) {
      baseline::pending note{{baseline::event_kind::order_note_added, 0, 0, {}, bench::note_text(v)}};
      (void)store.append(stream_id(), v, std::span(&note, 1));
    }
    (void)snapshotted.execute(stream_id(), place);
    for (std::size_t v = 1; v < bench::w2_events; ++v) (void)snapshotted.execute(stream_id(), bench::AddNote{bench::note_text(v)});
  }

  // The aggregate without snapshots: fold the whole stream.
  [[nodiscard]] baseline::loaded load() const {
    baseline::loaded out;
    store.read_stream(stream_id(), 1, [&](const baseline::record& r) {
      baseline::evolve(out.state, r.payload);
      out.version = r.version;
      return true;
    });
    return out;
  }
};

const chronicle_stream& chronicle_fixture() {
  static const chronicle_stream fixture;
  return fixture;
}
baseline_stream& baseline_fixture() {
  static baseline_stream fixture;
  return fixture;
}

// Not inlined, on both sides alike, so that a profiler can count one load exactly
// (valgrind --tool=callgrind --toggle-collect='*one_load*').
template <class Load>
[[gnu::noinline]] auto one_load(Load& load) {
  return load();
}

// `replayed`: how many events a load folds (all 10,000 without snapshots; none after the snapshot at 10,000).
template <class Load>
void rehydrate(benchmark::State& state, Load load, std::size_t replayed) {
  bool complete = true;
  for (auto _ : state) {
    auto loaded = one_load(load);
    benchmark::DoNotOptimize(loaded);
    complete = complete && loaded.version == bench::w2_events && loaded.state.notes == bench::w2_events - 1;
  }
  const auto loads = static_cast<double>(state.iterations());
  state.counters["seconds_per_load"] = benchmark::Counter(loads, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  if (replayed != 0)
    state.counters["events_per_second"] =
        benchmark::Counter(loads * static_cast<double>(replayed), benchmark::Counter::kIsRate);
  if (!complete) state.SkipWithError("a load did not reach version 10,000 with 9,999 notes");
}

[[maybe_unused]] const bool registered = [] {
  benchmark::RegisterBenchmark("W2_rehydrate/chronicle", [](benchmark::State& state) {
    const auto& f = chronicle_fixture();
    rehydrate(state, [&] { return *f.repository.load(stream_id()); }, bench::w2_events);
  })->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("W2_rehydrate/baseline", [](benchmark::State& state) {
    const auto& f = baseline_fixture();
    rehydrate(state, [&] { return f.load(); }, bench::w2_events);
  })->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("W2_rehydrate_snapshot/chronicle", [](benchmark::State& state) {
    const auto& f = chronicle_fixture();
    rehydrate(state, [&] { return *f.snapshotted.load(stream_id()); }, 0);
  })->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("W2_rehydrate_snapshot/baseline", [](benchmark::State& state) {
    auto& f = baseline_fixture();
    rehydrate(state, [&] { return f.snapshotted.load(stream_id()); }, 0);
  })->Unit(benchmark::kMicrosecond);
  return true;
}();

}  // namespace
