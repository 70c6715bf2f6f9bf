// Durability and many writers on SQLite: a writer killed with SIGKILL at random moments loses no
// acknowledged append and leaves no partial batch; two processes with several threads each append to
// one file without duplicate versions, waiting for each other rather than failing with SQLITE_BUSY.
#include <chronicle/sqlite/store.hpp>

#include <doctest/doctest.h>

#include "sqlite_support.hpp"
#include "support.hpp"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <map>
#include <optional>
#include <poll.h>
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

// Appends batches round the streams, from `first_stream` on, and acknowledges each once it is committed.
[[noreturn]] void crash_writer(const std::string& path, int out, std::uint32_t first_stream) {
  store_t store(path);
  for (std::uint32_t n = first_stream;; ++n) {
    const std::uint32_t stream = n % streams;
    const std::vector batch(batch_size, test::pending<counter_event>(counter::Added{1}));
    auto appended = store.append("s" + std::to_string(stream), expected_version::any(), batch);
    if (!appended) _exit(3);
    const ack a{stream, static_cast<std::uint32_t>(appended->version)};
    if (::write(out, &a, sizeof a) != sizeof a) _exit(4);  // acknowledged only once this is written
  }
}

// The parent's end of a writer's pipe. A write of one ack is atomic (under PIPE_BUF), so a read gets a
// whole one or none.
class ack_pipe {
 public:
  explicit ack_pipe(int fd) : fd_(fd) {}
  ack_pipe(const ack_pipe&) = delete;
  ack_pipe& operator=(const ack_pipe&) = delete;
  ~ack_pipe() { ::close(fd_); }

  // The next acknowledgement; none once the writer is gone (end of file) or after `patience`.
  std::optional<ack> next(std::chrono::milliseconds patience) const {
    const auto deadline = std::chrono::steady_clock::now() + patience;
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return std::nullopt;
      pollfd ready{.fd = fd_, .events = POLLIN, .revents = 0};
      const int polled = ::poll(&ready, 1, static_cast<int>(left.count()));
      if (polled < 0 && errno == EINTR) continue;
      if (polled <= 0) return std::nullopt;
      ack a{};
      const auto got = ::read(fd_, &a, sizeof a);
      if (got < 0 && errno == EINTR) continue;
      if (got != sizeof a) return std::nullopt;
      return a;
    }
  }

 private:
  int fd_;
};

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

// The kill moments follow the writer's own pace, not a clock that assumes a fast machine (a writer
// under ASan on a loaded machine takes 50 to 200 ms to open the file and make its first append): most
// rounds wait for a random number (2 to 8) of acknowledgements, then kill after a random part of the
// time one append took, so the kill lands anywhere in the next append however slow the machine is;
// every fifth round kills before the first acknowledgement, at a random moment of the longest start
// seen (opening the file, the first append). Waits end on what the writer reports; their limit is one
// that only a failed or stuck writer reaches.
TEST_CASE("a writer killed at random moments loses no acknowledged append and leaves no partial batch") {
  using clock = std::chrono::steady_clock;
  constexpr auto patience = std::chrono::seconds(60);
  test::temporary_file file{"durability"};
  { store_t create(file.path.string()); }
  std::mt19937 random(20261127);
  auto random_part = [&](clock::duration of) {
    return clock::duration(std::uniform_int_distribution<clock::rep>(0, of.count())(random));
  };
  std::map<std::uint32_t, std::uint32_t> acknowledged;
  auto note = [&](const ack& a) { acknowledged[a.stream] = std::max(acknowledged[a.stream], a.version); };
  clock::duration longest_start{};
  for (int round = 0; round < 50; ++round) {
    CAPTURE(round);
    int pipe_ends[2];
    REQUIRE(::pipe(pipe_ends) == 0);
    const auto started = clock::now();
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      ::close(pipe_ends[0]);
      crash_writer(file.path.string(), pipe_ends[1], static_cast<std::uint32_t>(round % streams));
    }
    ::close(pipe_ends[1]);
    const ack_pipe acks(pipe_ends[0]);

    if (round % 5 == 4) {
      std::this_thread::sleep_for(random_part(longest_start));
    } else {
      const int wanted = std::uniform_int_distribution<int>(2, 8)(random);
      clock::time_point first;
      for (int n = 1; n <= wanted; ++n) {
        const auto a = acks.next(patience);
        if (!a) ::kill(child, SIGKILL);  // a writer that failed or is stuck: leave no orphan behind
        REQUIRE_MESSAGE(a, "the writer acknowledged ", n - 1, " of ", wanted, " appends");
        note(*a);
        if (n == 1) {
          first = clock::now();
          longest_start = std::max(longest_start, first - started);
        }
      }
      const auto append_time = (clock::now() - first) / (wanted - 1);  // read in bursts, so averaged
      std::this_thread::sleep_for(random_part(append_time));
    }
    ::kill(child, SIGKILL);
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    CHECK((WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL));  // the writer never stopped by itself
    while (const auto a = acks.next(patience)) note(*a);  // what it acknowledged before it died

    store_t reopened(file.path.string());
    check_consistent(reopened, acknowledged);
  }
  CHECK(acknowledged.size() == streams);  // each writer starts at another stream, so all got work done
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
  CHECK(counters.load("hot")->state.value == 2 * threads * commands);
}

}  // namespace
