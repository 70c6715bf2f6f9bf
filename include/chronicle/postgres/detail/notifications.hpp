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

#include <unistd.h>

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

}  // namespace detail
}  // namespace v0
}  // namespace chronicle
