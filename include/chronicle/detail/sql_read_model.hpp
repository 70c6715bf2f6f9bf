#pragma once
// What the SQL read models (SQLite, PostgreSQL) share: catching up in transactions that move the
// projection's rows and its checkpoint together, resetting, rebuilding, recording a failure. Each
// database supplies a `Db`:
//   using writer = ...;                 what handlers write with
//   writer& writer();
//   template <class F> void in_transaction(F&& f);  runs f() in a transaction: committed if f returns
//                                       true, rolled back if it returns false or throws
//   std::uint64_t checkpoint(std::string_view name);   as committed
//   std::uint64_t locked_checkpoint(std::string_view name);  inside a transaction: as committed, and
//                                       no other transaction of this model name runs until this ends
//   void save_checkpoint(std::string_view name, std::uint64_t position);
//   void erase_checkpoint(std::string_view name);
//   static bool transient();            inside a catch block: whether the exception in flight is a
//                                       passing fault (a lost connection): then catch_up returns what
//                                       it applied, records no failure, and the next call goes on
#include <chronicle/detail/subscriber.hpp>
#include <chronicle/event_store.hpp>
#include <chronicle/projection.hpp>

#include <algorithm>
#include <cstdint>
#include <exception>
#include <limits>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace chronicle {
inline namespace v0 {
namespace detail {

inline std::string describe_current_exception() {
  try {
    throw;
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "unknown exception";
  }
}

template <class P, class Db>
class sql_read_model {
 public:
  template <class... DbArgs>
  explicit sql_read_model(P projection, DbArgs&&... db) : db_(std::forward<DbArgs>(db)...), projection_(std::move(projection)) {}
  sql_read_model(const sql_read_model&) = delete;
  sql_read_model& operator=(const sql_read_model&) = delete;

  /// @brief The last event applied, as committed in the database.
  /// A lost connection answers with the last checkpoint this object saw committed (a subscription
  /// asks from a thread that must not throw).
  [[nodiscard]] std::uint64_t checkpoint() const {
    std::lock_guard lock(mutex_);
    try {
      return seen_ = db_.checkpoint(P::name);
    } catch (...) {
      if (Db::transient()) return seen_;
      throw;
    }
  }

  /// @brief Why the model stopped, if a handler threw (or the store or database failed for good).
  [[nodiscard]] std::optional<projection_failure> failure() const {
    std::lock_guard lock(mutex_);
    return failure_;
  }

  // Each chunk (up to 1,000 events) is read before the transaction begins, so a model may share the
  // database of the store it reads (SQLite: an append holds the store's lock while it waits for the
  // write lock, and a model that read while holding the write lock would wait on it in turn).
  /// @brief Applies the store's events after the checkpoint (at most `max_events`), up to 1,000 per
  /// transaction; returns how many it applied.
  template <event_source Store>
  std::size_t catch_up(const Store& store, std::size_t max_events = std::numeric_limits<std::size_t>::max()) {
    static_assert(check_sources<typename Store::event_type, P>::value);
    using record = recorded_event<typename Store::event_type>;
    std::lock_guard lock(mutex_);
    std::size_t applied = 0;
    std::vector<record> chunk;
    while (!failure_ && applied < max_events) {
      const std::size_t limit = std::min<std::size_t>(max_events - applied, 1000);
      chunk.clear();
      std::uint64_t from = 0;
      try {
        from = db_.checkpoint(P::name) + 1;
        store.read_all(from, [&](const record& r) {
          chunk.push_back(r);
          return chunk.size() < limit;
        });
      } catch (const interrupted&) {  // its subscription stopped while the store waited: not a failure
        return applied;
      } catch (...) {  // the store or the database failed: stop here rather than skip anything
        if (Db::transient()) return applied;
        failure_ = projection_failure{from, {}, 0, {}, describe_current_exception(), std::current_exception()};
        return applied;
      }
      if (chunk.empty()) break;
      std::size_t in_chunk = 0;
      bool again = false;
      std::uint64_t committing = 0;
      try {
        db_.in_transaction([&] {
          // Another process may run this model too: apply only what lies past the checkpoint as it is
          // now, and read again if it went back (a reset) past what was read.
          std::uint64_t position = db_.locked_checkpoint(P::name);
          if (position + 1 < from) {
            again = true;
            return false;
          }
          for (const auto& r : chunk) {
            if (r.position <= position) continue;
            try {
              detail::dispatch(projection_, r, db_.writer());
            } catch (const interrupted&) {
              throw;  // rolled back: applied when the subscription runs again
            } catch (...) {
              if (Db::transient()) throw;  // the connection, not the handler: rolled back, go on later
              failure_ = projection_failure{r.position, r.stream_id, r.version, r.type(), describe_current_exception(),
                                            std::current_exception()};
              return false;  // the failing chunk is rolled back whole
            }
            position = r.position;
            ++in_chunk;
          }
          db_.save_checkpoint(P::name, position);
          committing = position;
          return true;
        });
        if (committing != 0) seen_ = committing;
      } catch (const interrupted&) {
        return applied;
      } catch (...) {
        if (!failure_ && Db::transient()) return applied;  // rolled back or committed: the checkpoint says
        if (!failure_)
          failure_ = projection_failure{chunk.front().position, {}, 0, {}, describe_current_exception(),
                                        std::current_exception()};
        return applied;
      }
      if (failure_) return applied;
      if (again) continue;
      applied += in_chunk;
      if (chunk.size() < limit) break;
    }
    return applied;
  }

  /// @brief Empties the tables and the checkpoint, in one transaction, and forgets a failure.
  void reset() {
    std::lock_guard lock(mutex_);
    db_.in_transaction([&] {
      P::clear(db_.writer());
      db_.erase_checkpoint(P::name);
      return true;
    });
    seen_ = 0;
    failure_.reset();
  }

  /// @brief Resets and replays the store, calling `progress(done, head)` after each transaction.
  template <event_store Store, class Progress>
  std::uint64_t rebuild(const Store& store, Progress progress) {
    reset();
    while (catch_up(store, 10'000) > 0) progress(checkpoint(), store.head_position());
    return checkpoint();
  }

  /// @brief Runs `f(writer&)` under the model's lock, between its transactions: for queries and tests.
  template <class F>
  decltype(auto) read(F&& f) {
    std::lock_guard lock(mutex_);
    return std::forward<F>(f)(db_.writer());
  }

 private:
  mutable Db db_;
  mutable std::mutex mutex_;
  mutable std::uint64_t seen_ = 0;  // the checkpoint as last read or committed
  P projection_;
  std::optional<projection_failure> failure_;
};

}  // namespace detail
}  // namespace v0
}  // namespace chronicle
