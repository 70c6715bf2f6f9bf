// The group-commit workload every store with group commit runs (sqlite_concurrency_test.cpp,
// postgres_concurrency_test.cpp): appends from threads through one store, whose outcomes must each be
// what that append alone would get.
#pragma once
#include <chronicle/id_generator.hpp>

#include "support.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <exception>
#include <string>
#include <thread>
#include <variant>
#include <vector>

namespace test {

// Positions 1..head, each once, in order.
template <class Store>
bool contiguous_positions(const Store& store) {
  std::uint64_t last = 0;
  bool ok = true;
  store.read_all(1, [&](const auto& r) { ok = ok && r.position == ++last; });
  return ok;
}

// Threads append through one store, each to its own stream: every append it expects to land, a stale
// expected version every third round, an id another of its events has every fifth, and a batch whose
// last id repeats an earlier one every seventh. Each outcome must be what that append alone would get,
// and an acknowledged event must already be committed: another connection finds it.
struct group_workload {
  static constexpr int writers = 8, rounds = 60;
  int accepted = 0;  // the appends that wrote something, over all writers

  template <class Store>
  void run(Store& store, const Store& observer) {
    std::atomic<int> wrong{0}, landed{0};
    {
      std::vector<std::jthread> pool;
      for (int t = 0; t < writers; ++t)
        pool.emplace_back([&, t] {
          const std::string stream = "group-" + std::to_string(t);
          chronicle::id_generator ids;
          std::uint64_t version = 0;
          chronicle::event_id first{};
          for (int round = 1; round <= rounds; ++round) {
            const chronicle::event_id id = ids();
            if (round == 1) first = id;
            auto appended = store.append(stream, chronicle::expected_version::exact(version),
                                         {test::pending<counter::counter_event>(counter::Added{round}, id)});
            if (!appended || appended->version != version + 1 || !observer.find_event(id)) ++wrong;
            if (appended) ++version, ++landed;
            if (round % 3 == 0) {
              auto stale = store.append(stream, chronicle::expected_version::exact(version - 1),
                                        {test::pending<counter::counter_event>(counter::Added{1})});
              if (stale || !std::holds_alternative<chronicle::concurrency_conflict>(stale.error())) ++wrong;
            }
            if (round % 5 == 0) {
              auto repeated = store.append("elsewhere-" + std::to_string(t), chronicle::expected_version::any(),
                                           {test::pending<counter::counter_event>(counter::Added{1}, first)});
              if (repeated || !std::holds_alternative<chronicle::duplicate_event>(repeated.error())) ++wrong;
            }
            if (round % 7 == 0) {
              auto half = store.append(stream, chronicle::expected_version::exact(version),
                                       {test::pending<counter::counter_event>(counter::Added{1}, ids()),
                                        test::pending<counter::counter_event>(counter::Added{1}, first)});
              if (half || !std::holds_alternative<chronicle::duplicate_event>(half.error())) ++wrong;
            }
          }
        });
    }
    CHECK(wrong == 0);
    accepted = landed;
    for (int t = 0; t < writers; ++t) {
      const std::string stream = "group-" + std::to_string(t);
      CHECK(store.stream_version(stream) == rounds);
      long total = 0;
      store.read_stream(stream, 1, [&](const auto& r) { total += std::get<counter::Added>(r.event).amount; });
      CHECK(total == rounds * (rounds + 1) / 2);  // nothing of a refused batch was written
      CHECK(store.stream_version("elsewhere-" + std::to_string(t)) == 0);
    }
    CHECK(store.head_position() == writers * rounds);
    CHECK(contiguous_positions(store));
  }
};

// Threads racing for one stream's versions through one store: each reads the version and appends
// expecting it. Appends that meet in a group are checked against what the group's earlier appends
// wrote, so exactly one lands at each version and the others are conflicts. Returns how many landed.
template <class Store>
int race_for_one_stream(Store& store, int writers, int tries) {
  std::atomic<int> landed{0}, wrong{0};
  std::vector<std::atomic<int>> at(static_cast<std::size_t>(writers * tries + 1));  // appends landed at each version
  {
    std::vector<std::jthread> pool;
    for (int t = 0; t < writers; ++t)
      pool.emplace_back([&] {
        for (int i = 0; i < tries; ++i) {
          const std::uint64_t seen = store.stream_version("race");
          auto appended = store.append("race", chronicle::expected_version::exact(seen),
                                       {test::pending<counter::counter_event>(counter::Added{1})});
          if (appended) {
            ++landed;
            if (appended->version != seen + 1) ++wrong;
            ++at[appended->version];
          } else if (!std::holds_alternative<chronicle::concurrency_conflict>(appended.error())) {
            ++wrong;
          }
        }
      });
  }
  CHECK(wrong == 0);
  CHECK(landed > 0);
  CHECK(store.stream_version("race") == static_cast<std::uint64_t>(landed.load()));
  for (int v = 1; v <= landed; ++v) CHECK(at[static_cast<std::size_t>(v)] == 1);
  return landed;
}

// Eight threads alternate appends that must land with appends the database refuses (the caller has
// made it fail every insert of a "Noted" event), so refusals meet others in groups: the refused
// append throws `Refusal` (`expected(e)` holds), nothing of it is written, and the rest of its group
// commits. Each thread appends `rounds` times to its own stream. Where `shares_commits`, some appends
// must have shared a commit (not so where a refusal makes its group's appends commit one by one).
template <class Refusal, class Store, class Expected>
void refused_mid_group(Store& store, int rounds, Expected&& expected, bool shares_commits = true) {
  constexpr int writers = 8;
  using counter::counter_event;
  std::atomic<int> wrong{0}, failed{0};
  {
    std::vector<std::jthread> pool;
    for (int t = 0; t < writers; ++t)
      pool.emplace_back([&, t] {
        const std::string stream = "fault-" + std::to_string(t);
        for (int round = 1; round <= rounds; ++round) {
          try {  // this one must land, even where it met the refused one in a group
            auto appended = store.append(stream, chronicle::expected_version::exact(static_cast<std::uint64_t>(round - 1)),
                                         {test::pending<counter_event>(counter::Added{round})});
            if (!appended || appended->version != static_cast<std::uint64_t>(round)) ++wrong;
          } catch (const std::exception&) {
            ++wrong;
            return;
          }
          try {
            (void)store.append(stream, chronicle::expected_version::any(),
                               {test::pending<counter_event>(counter::Added{1}), test::pending<counter_event>(counter::Noted{"x"})});
            ++wrong;  // the database refused it: it must not be acknowledged
          } catch (const Refusal& e) {
            if (!expected(e)) ++wrong;
            ++failed;
          }
        }
      });
  }
  CHECK(wrong == 0);
  CHECK(failed == writers * rounds);
  for (int t = 0; t < writers; ++t) {
    const std::string stream = "fault-" + std::to_string(t);
    CHECK(store.stream_version(stream) == static_cast<std::uint64_t>(rounds));
    long total = 0;
    store.read_stream(stream, 1, [&](const auto& r) { total += std::get<counter::Added>(r.event).amount; });
    CHECK(total == rounds * (rounds + 1) / 2);  // no event of a refused batch, not even its first
  }
  if (shares_commits) CHECK(store.append_commits() < static_cast<std::uint64_t>(writers * rounds));
}

}  // namespace test
