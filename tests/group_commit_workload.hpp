// The group-commit workload every store with group commit runs (sqlite_concurrency_test.cpp,
// postgres_concurrency_test.cpp): appends from threads through one store, whose outcomes must each be
// what that append alone would get.
#pragma once
#include <chronicle/id_generator.hpp>

#include "support.hpp"

#include <doctest/doctest.h>

#include <atomic>
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

}  // namespace test
