#pragma once
// How appends wake subscriptions in other processes: LISTEN/NOTIFY on one channel per schema.
//
// Appends do not send the NOTIFY themselves. PostgreSQL takes a database-wide exclusive lock at the
// commit of every transaction that notified, so notifying commits run one at a time across the whole
// database (measured: 8 writers ran 19-57% faster without). Instead each store has one notifier: a
// thread that sends one NOTIFY, in a transaction of its own, for all the appends committed since it
// last sent, and sends none while no connection listens for the schema.
//
// Who listens is told by a session advisory lock: a listener holds the schema's listener key shared
// for as long as it LISTENs, and the notifier's statement notifies only where it cannot take that key
// exclusively. No append goes unseen: the notifier runs after the commit it was told of. A listener
// takes the key, then LISTENs, then looks at the table. A notifier that took the key did so before the
// listener did, so the commit came before the listener looked; one that notified either reaches the
// listener or committed before the LISTEN did, and then the commit came before the look as well.
#include <chronicle/postgres/detail/libpq.hpp>

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace chronicle {
inline namespace v0 {
namespace detail {

// The schema's NOTIFY channel, as a SQL literal (schema names are identifiers: nothing to escape).
inline std::string pg_channel(const std::string& schema) { return ("chronicle." + schema).substr(0, 63); }
// The listener key, as a SQL expression.
inline std::string pg_listener_key(const std::string& schema) {
  return "hashtextextended('chronicle listeners " + schema + "', 0)";
}
// Run by a listening connection before its LISTEN.
inline std::string pg_listen_sql(const std::string& schema) {
  return "SELECT pg_advisory_lock_shared(" + pg_listener_key(schema) + "); LISTEN \"" + pg_channel(schema) + "\"";
}

class pg_notifier {
 public:
  pg_notifier(std::string conninfo, const postgres_options& options)
      : conninfo_(std::move(conninfo)),
        options_(options),
        notify_{"SELECT pg_notify('" + pg_channel(options.schema) + "', '') FROM (SELECT) AS once WHERE NOT "
                "pg_try_advisory_xact_lock(" + pg_listener_key(options.schema) + ")"} {}
  pg_notifier(const pg_notifier&) = delete;
  pg_notifier& operator=(const pg_notifier&) = delete;
  // Sends what is pending on the connection it has (opening none), then stops. In a child of fork()
  // the thread is not there: nothing to join.
  ~pg_notifier() {
    {
      std::lock_guard lock(m_);
      stop_ = true;
    }
    wake_.notify_one();
    if (!thread_) return;
    if (owner_ == ::getpid())
      thread_->join();
    else
      (void)thread_.release();  // a std::thread of another process: neither joinable nor detachable here
  }

  // Called after a commit: a NOTIFY (where anyone listens) will follow it. Never throws nor blocks on
  // the network; a notification that cannot be sent is skipped (subscriptions also poll).
  void commit_seen() noexcept {
    std::lock_guard lock(m_);
    pending_ = true;
    if (thread_) {
      wake_.notify_one();
      return;
    }
    try {
      owner_ = ::getpid();
      thread_ = std::make_unique<std::thread>([this] { run(); });  // started by the first append
    } catch (...) {
      pending_ = false;
    }
  }

 private:
  void run() {
    std::unique_ptr<pg_connection> c;
    std::unique_lock lock(m_);
    for (;;) {
      wake_.wait(lock, [&] { return pending_ || stop_; });
      if (!pending_) return;
      pending_ = false;  // commits seen from here on get a NOTIFY sent after this one
      const bool stopping = stop_;
      lock.unlock();
      send(c, stopping);
      lock.lock();
    }
  }

  // One NOTIFY statement; a connection the server closed (a restart) is replaced and the statement
  // sent again once. While stopping, no connection is opened.
  void send(std::unique_ptr<pg_connection>& c, bool stopping) noexcept {
    for (int attempt = 0; attempt < 2; ++attempt) {
      try {
        if (c && c->dead()) c.reset();
        if (!c) {
          if (stopping) return;
          c = std::make_unique<pg_connection>(conninfo_, options_, notify_);
        }
        pg_params none;
        c->run(0, none);
        return;
      } catch (...) {
        c.reset();  // the server is away: the next commit reconnects
      }
    }
  }

  const std::string conninfo_;
  const postgres_options options_;
  const std::vector<std::string> notify_;
  std::mutex m_;
  std::condition_variable wake_;
  bool pending_ = false;
  bool stop_ = false;
  std::unique_ptr<std::thread> thread_;
  pid_t owner_ = 0;  // the process that started the thread
};

// The waiting side: a connection of its own that LISTENs on the schema's channel, shared by the
// store's waiting threads. One thread listens at a time; the others wait for it, looking at the table
// first and when their turn ends. A lost connection is reopened by the next wait.
class pg_listener {
 public:
  explicit pg_listener(std::string schema) : schema_(std::move(schema)) {}

  // Waits until `ready()` (a look at the table) or `timeout` passes; true if ready.
  template <class Ready>
  bool wait(const std::string& conninfo, const postgres_options& options, std::chrono::nanoseconds timeout,
            Ready&& ready) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::unique_lock lock(listening_, std::defer_lock);
    if (!lock.try_lock_for(timeout)) return ready_or_false(ready);
    try {
      if (!c_ || c_->broken()) {
        c_.reset();
        auto fresh = std::make_unique<pg_connection>(conninfo, options, std::vector<std::string>{});
        fresh->exec(pg_listen_sql(schema_));
        c_ = std::move(fresh);
      }
      for (;;) {
        drain();
        if (ready()) return true;  // looked after LISTEN, so no append is missed
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return false;
        await(left);  // a notification, or anything else the socket brought: look again
      }
    } catch (const postgres_connection_error&) {
      c_.reset();  // the server is away: wait out the timeout, the next call reconnects
      lock.unlock();
      std::this_thread::sleep_until(deadline);
      return false;
    }
  }

 private:
  template <class Ready>
  static bool ready_or_false(Ready& ready) noexcept {
    try {
      return ready();
    } catch (...) {
      return false;
    }
  }
  void drain() {
    PQconsumeInput(c_->get());
    while (PGnotify* n = PQnotifies(c_->get())) PQfreemem(n);
    if (c_->lost()) throw postgres_connection_error("chronicle: the LISTEN connection was lost");
  }
  // Sleeps on the listening socket until something arrives or `timeout` passes.
  void await(std::chrono::milliseconds timeout) {
    pollfd fd{PQsocket(c_->get()), POLLIN, 0};
    if (::poll(&fd, 1, static_cast<int>(std::min<std::int64_t>(timeout.count(), 60'000))) <= 0) return;
    if (PQconsumeInput(c_->get()) != 1) throw postgres_connection_error("chronicle: the LISTEN connection was lost");
    while (PGnotify* n = PQnotifies(c_->get())) PQfreemem(n);
  }

  const std::string schema_;
  std::timed_mutex listening_;
  std::unique_ptr<pg_connection> c_;
};

}  // namespace detail
}  // namespace v0
}  // namespace chronicle
