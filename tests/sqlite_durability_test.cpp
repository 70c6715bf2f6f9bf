// Durability and many writers on SQLite: a writer killed with SIGKILL at random moments loses no
// acknowledged append and leaves no partial batch; two processes with several threads each append to
// one file without duplicate versions, waiting for each other rather than failing with SQLITE_BUSY.
#include <chronicle/sqlite_store.hpp>

#include <doctest/doctest.h>

#include "sqlite_support.hpp"
#include "support.hpp"

#include <csignal>
#include <filesystem>
#include <map>
#include <random>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace {

using counter::counter_event;
using chronicle::expected_version;
using store_t = chronicle::sqlite_store<counter_event>;

constexpr int batch_size = 3;
constexpr int streams = 4;

// What a writer acknowledged: a stream and the version its append reached.
struct ack {
  std::uint32_t stream;
  std::uint32_t version;
};

[[noreturn]] void crash_writer(const std::string& path, int out) {
  store_t store(path);
  for (std::uint32_t n = 0;; ++n) {
    const std::uint32_t stream = n % streams;
    const std::vector batch(batch_size, test::pending<counter_event>(counter::Added{1}));
    auto appended = store.append("s" + std::to_string(stream), expected_version::any(), batch);
    if (!appended) _exit(3);
    const ack a{stream, static_cast<std::uint32_t>(appended->version)};
    if (::write(out, &a, sizeof a) != sizeof a) _exit(4);  // acknowledged only once this is written
  }
}

// Every stream holds whole batches with contiguous versions; positions run 1..head without gaps.
void check_consistent(const store_t& store, const std::map<std::uint32_t, std::uint32_t>& acknowledged) {
  std::map<std::string, std::uint64_t> versions;
  std::uint64_t position = 0;
  store.read_all(1, [&](const auto& r) {
    REQUIRE(r.position == ++position);
    REQUIRE(r.version == ++versions[r.stream_id]);
  });
  CHECK(position == store.head_position());
  for (const auto& [stream, version] : versions) CHECK(version % batch_size == 0);  // no partial batch
  for (const auto& [stream, version] : acknowledged)
    CHECK(versions["s" + std::to_string(stream)] >= version);  // nothing acknowledged is lost
}

TEST_CASE("a writer killed at random moments loses no acknowledged append and leaves no partial batch") {
  test::temporary_file file{"durability"};
  { store_t create(file.path.string()); }
  std::mt19937 random(20261127);
  std::map<std::uint32_t, std::uint32_t> acknowledged;
  for (int round = 0; round < 50; ++round) {
    int pipe_ends[2];
    REQUIRE(::pipe(pipe_ends) == 0);
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      ::close(pipe_ends[0]);
      crash_writer(file.path.string(), pipe_ends[1]);
    }
    ::close(pipe_ends[1]);
    std::this_thread::sleep_for(std::chrono::microseconds(std::uniform_int_distribution<int>(2'000, 30'000)(random)));
    ::kill(child, SIGKILL);
    int status = 0;
    ::waitpid(child, &status, 0);
    CHECK((WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL));
    ack a{};
    while (::read(pipe_ends[0], &a, sizeof a) == sizeof a) acknowledged[a.stream] = std::max(acknowledged[a.stream], a.version);
    ::close(pipe_ends[0]);

    store_t reopened(file.path.string());
    check_consistent(reopened, acknowledged);
  }
  CHECK(acknowledged.size() == streams);  // the writers did get work done between kills
}

TEST_CASE("two processes with three threads each append to one stream: conflicts retried, nothing duplicated") {
  test::temporary_file file{"durability"};
  { store_t create(file.path.string()); }
  constexpr int threads = 3, commands = 40;
  auto run = [&] {
    int done = 0;
    std::mutex m;
    std::vector<std::jthread> pool;
    for (int t = 0; t < threads; ++t)
      pool.emplace_back([&] {
        store_t store(file.path.string(), {.sync = chronicle::sqlite_options::synchronous::normal,
                                           .busy_timeout = std::chrono::seconds(30)});
        chronicle::repository<counter::aggregate, store_t> counters{store};
        for (int i = 0; i < commands; ++i) {
          if (counters.execute("hot", counter::Add{1}, {.max_retries = 10'000})) {
            std::lock_guard lock(m);
            ++done;
          }
        }
      });
    pool.clear();
    return done;
  };
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) _exit(run() == threads * commands ? 0 : 1);
  const int here = run();
  int status = 0;
  ::waitpid(child, &status, 0);
  CHECK(here == threads * commands);
  CHECK((WIFEXITED(status) && WEXITSTATUS(status) == 0));

  store_t store(file.path.string());
  CHECK(store.stream_version("hot") == 2 * threads * commands);
  std::uint64_t version = 0;
  store.read_stream("hot", 1, [&](const auto& r) { CHECK(r.version == ++version); });
  chronicle::repository<counter::aggregate, store_t> counters{store};
  CHECK(counters.load("hot").state.value == 2 * threads * commands);
}

}  // namespace
