// Concurrency: the reference's failure case 1 (two writers, one expected version) and its relatives.
// Also run under ThreadSanitizer in CI (label "concurrency").
#include <chronicle/repository.hpp>

#include <doctest/doctest.h>

#include "support.hpp"

#include <array>
#include <barrier>
#include <boost/container_hash/hash.hpp>
#include <boost/unordered/unordered_flat_set.hpp>
#include <boost/uuid/uuid_hash.hpp>
#include <map>
#include <thread>
#include <vector>

namespace {

using namespace counter;
using chronicle::expected_version;
using store_t = chronicle::memory_store<counter_event>;

constexpr int threads = 8;

template <class F>
void run_threads(int n, F f) {
  std::vector<std::jthread> pool;
  for (int t = 0; t < n; ++t) pool.emplace_back(f, t);
}

// Every stream's versions are 1..n with no gap or repeat, positions are 1..total in global order,
// event ids are unique, and the stream holds exactly the events of the successful commands.
void check_store(const store_t& store, const std::map<std::string, long>& successes) {
  std::map<std::string, std::uint64_t> last_version;
  boost::unordered_flat_set<chronicle::event_id, boost::hash<chronicle::event_id>> ids;
  std::uint64_t position = 0;
  store.read_all(1, [&](const chronicle::recorded_event<counter_event>& r) {
    CHECK(r.position == ++position);
    CHECK(r.version == ++last_version[r.stream_id]);
    CHECK(ids.insert(r.id).second);
  });
  CHECK(position == store.head_position());
  long total = 0;
  for (const auto& [stream, n] : successes) {
    CHECK(last_version[stream] == static_cast<std::uint64_t>(n));
    CHECK(store.stream_version(stream) == static_cast<std::uint64_t>(n));
    total += n;
  }
  CHECK(position == static_cast<std::uint64_t>(total));
}

TEST_CASE("8 threads commanding one stream: no duplicate versions, no gaps, no lost events") {
  store_t store;
  chronicle::repository<counter::aggregate, store_t> counters{store};
  constexpr int per_thread = 300;
  std::atomic<long> ok{0}, conflicts{0};
  run_threads(threads, [&](int) {
    for (int i = 0; i < per_thread; ++i) {
      auto r = counters.execute("hot", Add{1}, {.max_retries = 10'000});
      if (r)
        ++ok;
      else
        ++conflicts;
    }
  });
  CHECK(ok == threads * per_thread);
  CHECK(conflicts == 0);
  CHECK(counters.load("hot")->state.value == ok);
  check_store(store, {{"hot", ok.load()}});
}

TEST_CASE("without retries, every command either lands or reports a conflict; none is lost") {
  store_t store;
  chronicle::repository<counter::aggregate, store_t> counters{store};
  std::atomic<long> ok{0}, conflicts{0};
  run_threads(threads, [&](int) {
    for (int i = 0; i < 300; ++i) {
      auto r = counters.execute("hot", Add{1});
      if (r)
        ++ok;
      else if (std::holds_alternative<chronicle::concurrency_conflict>(r.error()))
        ++conflicts;
    }
  });
  CHECK(ok + conflicts == threads * 300);
  CHECK(counters.load("hot")->state.value == ok);
  check_store(store, {{"hot", ok.load()}});
}

TEST_CASE("8 threads commanding many streams") {
  store_t store;
  chronicle::repository<counter::aggregate, store_t> counters{store};
  constexpr int streams = 16, per_thread = 400;
  std::array<std::atomic<long>, streams> ok{};
  run_threads(threads, [&](int t) {
    for (int i = 0; i < per_thread; ++i) {
      const int s = (t * 7 + i) % streams;
      if (counters.execute("s" + std::to_string(s), Add{1}, {.max_retries = 10'000})) ++ok[s];
    }
  });
  std::map<std::string, long> expected;
  long total = 0;
  for (int s = 0; s < streams; ++s) {
    expected["s" + std::to_string(s)] = ok[s];
    total += ok[s];
    CHECK(counters.load("s" + std::to_string(s))->state.value == ok[s]);
  }
  CHECK(total == threads * per_thread);
  check_store(store, expected);
}

TEST_CASE("two writers with the same expected version: exactly one wins every round") {
  store_t store;
  constexpr int rounds = 1000;
  std::array<std::array<bool, rounds>, 2> won{};
  std::barrier sync(2);
  run_threads(2, [&](int t) {
    for (int round = 0; round < rounds; ++round) {
      sync.arrive_and_wait();
      auto r = store.append("contested", expected_version::exact(static_cast<std::uint64_t>(round)),
                            {test::pending<counter_event>(Added{t})});
      won[t][round] = r.has_value();
      if (!r) CHECK(std::get<chronicle::concurrency_conflict>(r.error()).actual == static_cast<std::uint64_t>(round) + 1);
      sync.arrive_and_wait();
    }
  });
  int exactly_one = 0;
  for (int round = 0; round < rounds; ++round) exactly_one += won[0][round] != won[1][round];
  CHECK(exactly_one == rounds);
  check_store(store, {{"contested", rounds}});
}

TEST_CASE("the same batch appended twice at once is recorded once, and both callers get its result") {
  store_t store;
  for (int round = 0; round < 200; ++round) {
    const std::vector<chronicle::pending_event<counter_event>> batch{
        test::pending<counter_event>(Added{1}, test::new_id()), test::pending<counter_event>(Doubled{}, test::new_id())};
    std::array<chronicle::result<chronicle::append_result, chronicle::store_error>, 2> results{
        chronicle::append_result{}, chronicle::append_result{}};
    std::barrier sync(2);
    run_threads(2, [&](int t) {
      sync.arrive_and_wait();
      results[t] = store.append("idem", expected_version::any(), batch);
    });
    REQUIRE(results[0]);
    REQUIRE(results[1]);
    CHECK(*results[0] == *results[1]);
  }
  check_store(store, {{"idem", 400}});
}

TEST_CASE("readers see a consistent, growing log while writers append") {
  store_t store;
  std::atomic<bool> done{false};
  std::jthread reader([&] {
    while (!done) {
      std::uint64_t last = 0;
      store.read_all(1, [&](const auto& r) {
        CHECK(r.position == last + 1);
        last = r.position;
      });
      std::uint64_t version = 0;
      store.read_stream("w0", 1, [&](const auto& r) { CHECK(r.version == ++version); });
    }
  });
  run_threads(4, [&](int t) {
    for (int i = 0; i < 500; ++i)
      REQUIRE(store.append("w" + std::to_string(t), expected_version::any(), {test::pending<counter_event>(Added{i})}));
  });
  done = true;
  reader.join();
  CHECK(store.head_position() == 2000);
}

// Appends to distinct streams claim their positions together and publish them apart: a reader must
// still see positions 1, 2, ... with no gap, every batch whole, times that never go back, and never
// less than head_position() promised; a reader going on from its checkpoint must miss nothing; and a
// thread waiting for the last position must be woken.
TEST_CASE("while writers publish concurrently, readers never see a gap, half a batch or a time going back") {
  store_t store;
  constexpr int writers = 4, batches = 300;
  constexpr auto batch_size = [](int b) { return 1 + b % 4; };
  std::uint64_t total = 0;
  for (int b = 0; b < batches; ++b) total += writers * static_cast<std::uint64_t>(batch_size(b));
  // An event's value encodes (writer, batch, index in batch).
  auto encode = [](int w, int b, int i) { return (w * 1000 + b) * 10 + i; };

  std::atomic<bool> done{false};
  std::atomic<bool> woken{false};
  std::jthread waiter([&] { woken = store.wait_for_position(total, std::chrono::hours(1)); });
  std::jthread whole_reader([&] {
    while (!done) {
      const std::uint64_t promised = store.head_position();
      std::uint64_t last = 0;
      chronicle::clock::time_point time{};
      int expect_index = 0, expect_size = 0, expect_key = -1;
      store.read_all(1, [&](const chronicle::recorded_event<counter_event>& r) {
        CHECK(r.position == ++last);
        CHECK(r.recorded_at >= time);
        time = r.recorded_at;
        const int v = std::get<Added>(r.event).amount, key = v / 10, index = v % 10;
        if (expect_index == expect_size) {  // a batch starts here
          CHECK(index == 0);
          expect_key = key, expect_index = 0, expect_size = batch_size(key % 1000);
        }
        CHECK(key == expect_key);
        CHECK(index == expect_index++);
      });
      CHECK(expect_index == expect_size);  // the read did not end inside a batch
      CHECK(last >= promised);
    }
  });
  std::vector<std::uint64_t> followed;
  std::jthread follower([&] {
    std::uint64_t next = 1;
    while (next <= total) {
      store.read_all(next, [&](const auto& r) {
        CHECK(r.position == next);
        followed.push_back(r.position);
        ++next;
      });
      (void)store.wait_for_position(next, std::chrono::milliseconds(50));
    }
  });
  run_threads(writers, [&](int w) {
    const std::string stream = "writer-" + std::to_string(w);
    for (int b = 0; b < batches; ++b) {
      std::vector<chronicle::pending_event<counter_event>> batch;
      for (int i = 0; i < batch_size(b); ++i) batch.push_back(test::pending<counter_event>(Added{encode(w, b, i)}));
      const auto appended = store.append(stream, expected_version::any(), batch);
      CHECK(appended);
      // Read your writes: once append returns, its events and every one before them are readable.
      if (appended) CHECK(store.head_position() >= appended->position);
    }
  });
  follower.join();
  done = true;
  whole_reader.join();
  waiter.join();
  CHECK(woken);
  CHECK(followed.size() == total);
  CHECK(store.head_position() == total);
}

// Ids are indexed before positions are claimed, and taken back if the append is refused: another
// append must not be refused, or refuse, because of an id that ends up recorded nowhere.
TEST_CASE("two batches sharing ids, on two streams at once: exactly one lands") {
  store_t store;
  for (int round = 0; round < 300; ++round) {
    const auto x = test::new_id(), y = test::new_id();
    const std::vector<chronicle::pending_event<counter_event>> left{test::pending<counter_event>(Added{1}, x),
                                                                    test::pending<counter_event>(Added{2}, y)};
    const std::vector<chronicle::pending_event<counter_event>> right{test::pending<counter_event>(Added{3}, y),
                                                                     test::pending<counter_event>(Added{4}, x)};
    std::array<chronicle::result<chronicle::append_result, chronicle::store_error>, 2> results{
        chronicle::append_result{}, chronicle::append_result{}};
    std::barrier sync(2);
    run_threads(2, [&](int t) {
      sync.arrive_and_wait();
      results[t] = store.append((t == 0 ? "left-" : "right-") + std::to_string(round), expected_version::any(),
                                t == 0 ? left : right);
    });
    REQUIRE(static_cast<bool>(results[0]) != static_cast<bool>(results[1]));
    const auto& lost = results[0] ? results[1] : results[0];
    CHECK(std::holds_alternative<chronicle::duplicate_event>(lost.error()));
    const std::string winner = (results[0] ? "left-" : "right-") + std::to_string(round);
    REQUIRE(store.find_event(x));
    REQUIRE(store.find_event(y));
    CHECK(store.find_event(x)->stream_id == winner);
    CHECK(store.find_event(y)->stream_id == winner);
  }
}

TEST_CASE("an append refused for a duplicate id does not fail another append of its other ids") {
  store_t store;
  const auto taken = test::new_id();
  REQUIRE(store.append("taken", expected_version::any(), {test::pending<counter_event>(Added{0}, taken)}));
  for (int round = 0; round < 300; ++round) {
    const auto x = test::new_id();
    // x, then fresh ids (a window in which x is indexed but may be taken back), then the taken one.
    std::vector<chronicle::pending_event<counter_event>> refused{test::pending<counter_event>(Added{1}, x)};
    for (int i = 0; i < 50; ++i) refused.push_back(test::pending<counter_event>(Added{2}, test::new_id()));
    refused.push_back(test::pending<counter_event>(Added{3}, taken));
    std::array<chronicle::result<chronicle::append_result, chronicle::store_error>, 2> results{
        chronicle::append_result{}, chronicle::append_result{}};
    std::barrier sync(2);
    run_threads(2, [&](int t) {
      sync.arrive_and_wait();
      if (t == 0)
        results[0] = store.append("refused-" + std::to_string(round), expected_version::any(), refused);
      else
        results[1] = store.append("lands-" + std::to_string(round), expected_version::any(),
                                  {test::pending<counter_event>(Added{3}, x)});
    });
    REQUIRE_FALSE(results[0]);
    CHECK(std::holds_alternative<chronicle::duplicate_event>(results[0].error()));
    REQUIRE(results[1]);
    REQUIRE(store.find_event(x));
    CHECK(store.find_event(x)->stream_id == "lands-" + std::to_string(round));
  }
}

}  // namespace
