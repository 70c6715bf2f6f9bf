#pragma once
/// @file
/// @brief Read models kept in SQLite tables, whose rows and checkpoint change in one transaction, so a
/// crash never applies an event twice or skips one (the `chronicle::sqlite` component).
#include <chronicle/detail/subscriber.hpp>
#include <chronicle/event_store.hpp>
#include <chronicle/projection.hpp>
#include <chronicle/sqlite_store.hpp>

#include <boost/uuid/uuid_io.hpp>

#include <algorithm>
#include <concepts>
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace chronicle {
inline namespace v0 {

/// @brief What a SQLite projection's handlers write with: SQL run inside the projection's current
/// transaction, every argument a bound parameter (integers, strings as text, UUIDs as text).
class sqlite_writer {
 public:
  explicit sqlite_writer(sqlite3* db) : db_(db) {}

  /// @brief Runs `sql` with `args` bound to ?1, ?2, ...; statements are prepared once and cached.
  template <class... Args>
  void execute(std::string_view sql, const Args&... args) {
    auto& s = statement(sql);
    s.reset();
    int i = 0;
    (bind(s, ++i, args), ...);
    while (s.step()) {
    }
    s.reset();
  }

  /// @brief The first column of the first row of `sql`, if any.
  template <class... Args>
  std::optional<std::int64_t> query_integer(std::string_view sql, const Args&... args) {
    auto& s = statement(sql);
    s.reset();
    int i = 0;
    (bind(s, ++i, args), ...);
    std::optional<std::int64_t> out;
    if (s.step()) out = s.integer(0);
    s.reset();
    return out;
  }

 private:
  detail::sqlite_statement& statement(std::string_view sql) {
    auto it = statements_.find(sql);
    if (it == statements_.end()) it = statements_.emplace(std::string(sql), detail::sqlite_statement(db_, sql)).first;
    return it->second;
  }
  template <class T>
  static void bind(detail::sqlite_statement& s, int i, const T& v) {
    if constexpr (std::is_integral_v<T>)
      s.bind(i, static_cast<std::int64_t>(v));
    else if constexpr (std::is_same_v<T, boost::uuids::uuid>)
      s.bind_text(i, boost::uuids::to_string(v));
    else
      s.bind_text(i, std::string_view(v));
  }

  sqlite3* db_;
  std::map<std::string, detail::sqlite_statement, std::less<>> statements_;
};

/// @brief A projection kept in SQLite: lists `handles`, names itself (`static constexpr std::string_view
/// name`), creates its tables (`static void create(sqlite_writer&)`), empties them
/// (`static void clear(sqlite_writer&)`), and has `when(const E&, const envelope&, sqlite_writer&)` or
/// `when(const E&, sqlite_writer&)` per event.
template <class P>
concept sqlite_projection = requires(sqlite_writer& w) {
  typename P::handles;
  { P::name } -> std::convertible_to<std::string_view>;
  P::create(w);
  P::clear(w);
};

/// @brief Feeds a `sqlite_projection` from any store, in transactions of up to 1,000 events that also
/// move its checkpoint (the file's `checkpoints` table, shared with `sqlite_checkpoint_store`): after a
/// crash it resumes at the last committed event, so each event is applied exactly once. A throwing
/// handler rolls back its transaction and stops the model (`failure()`), nothing skipped. Thread-safe; drive it with
/// `catch_up` or a `subscription`.
template <sqlite_projection P>
class sqlite_read_model {
  static_assert(detail::check_when_handlers<P, sqlite_writer>::value);

 public:
  explicit sqlite_read_model(const std::string& path, P projection = {}, sqlite_options options = {})
      : connection_(path, options),
        db_(connection_.get()),
        writer_(std::make_unique<sqlite_writer>(db_)),
        projection_(std::move(projection)) {
    // Only the checkpoints table of the store's schema: the file may be the model's alone, or the
    // store's own. Another application's file is refused before anything is written.
    detail::open_read_model_file(connection_, [&] { P::create(*writer_); });
  }
  sqlite_read_model(const sqlite_read_model&) = delete;
  sqlite_read_model& operator=(const sqlite_read_model&) = delete;

  /// @brief The last event applied, as committed in the file.
  [[nodiscard]] std::uint64_t checkpoint() const {
    std::lock_guard lock(mutex_);
    return stored_checkpoint();
  }

  [[nodiscard]] std::optional<projection_failure> failure() const {
    std::lock_guard lock(mutex_);
    return failure_;
  }

  /// @brief Applies the store's events after the checkpoint (at most `max_events`), up to 1,000 per
  /// transaction; returns how many it applied.
  ///
  /// Each chunk is read before the file's write lock is taken, so the model may share the file of the
  /// `sqlite_store` it reads: an append holds the store's lock while it waits for the write lock, and a
  /// model that read while holding the write lock would wait on it in turn.
  template <event_source Store>
  std::size_t catch_up(const Store& store, std::size_t max_events = std::numeric_limits<std::size_t>::max()) {
    static_assert(detail::check_sources<typename Store::event_type, P>::value);
    using record = recorded_event<typename Store::event_type>;
    std::lock_guard lock(mutex_);
    std::size_t applied = 0;
    std::vector<record> chunk;
    while (!failure_ && applied < max_events) {
      const std::size_t limit = std::min<std::size_t>(max_events - applied, 1000);
      const std::uint64_t from = stored_checkpoint() + 1;
      chunk.clear();
      store.read_all(from, [&](const record& r) {
        chunk.push_back(r);
        return chunk.size() < limit;
      });
      if (chunk.empty()) break;
      detail::sqlite_transaction tx(db_);
      // Another process may run this model too: apply only what lies past the checkpoint as it is now,
      // and read again if it went back (a reset) past what was read.
      std::uint64_t position = stored_checkpoint();
      if (position + 1 < from) continue;  // rolls back
      std::size_t in_chunk = 0;
      for (const auto& r : chunk) {
        if (r.position <= position) continue;
        try {
          detail::dispatch(projection_, r, *writer_);
        } catch (...) {
          failure_ = projection_failure{r.position, r.stream_id, r.version, r.type(), describe_current(),
                                        std::current_exception()};
          return applied;  // the failing chunk is rolled back whole
        }
        position = r.position;
        ++in_chunk;
      }
      writer_->execute("INSERT INTO checkpoints (name, position) VALUES (?1, ?2) ON CONFLICT (name) DO UPDATE SET "
                       "position = excluded.position",
                       std::string_view(P::name), position);
      tx.commit();
      applied += in_chunk;
      if (chunk.size() < limit) break;
    }
    return applied;
  }

  /// @brief Empties the tables and the checkpoint, in one transaction, and forgets a failure.
  void reset() {
    std::lock_guard lock(mutex_);
    in_transaction([&] {
      P::clear(*writer_);
      writer_->execute("DELETE FROM checkpoints WHERE name = ?1", std::string_view(P::name));
    });
    failure_.reset();
  }

  /// @brief Resets and replays the store, calling `progress(done, head)` after each transaction.
  template <event_store Store, class Progress>
  std::uint64_t rebuild(const Store& store, Progress progress) {
    reset();
    while (catch_up(store, 10'000) > 0) progress(checkpoint(), store.head_position());
    return checkpoint();
  }

  /// @brief Runs `f(sqlite_writer&)` under the model's lock, between its transactions: for queries and tests.
  template <class F>
  decltype(auto) read(F&& f) {
    std::lock_guard lock(mutex_);
    return std::forward<F>(f)(*writer_);
  }

 private:
  static std::string describe_current() {
    try {
      throw;
    } catch (const std::exception& e) {
      return e.what();
    } catch (...) {
      return "unknown exception";
    }
  }

  std::uint64_t stored_checkpoint() const {
    return static_cast<std::uint64_t>(
        writer_->query_integer("SELECT position FROM checkpoints WHERE name = ?1", std::string_view(P::name)).value_or(0));
  }

  template <class F>
  void in_transaction(F&& f) {
    detail::sqlite_transaction tx(db_);
    f();
    tx.commit();
  }

  detail::sqlite_connection connection_;  // first: closed after the writer's statements
  sqlite3* db_;
  std::unique_ptr<sqlite_writer> writer_;
  mutable std::mutex mutex_;
  P projection_;
  std::optional<projection_failure> failure_;
};

}  // namespace v0
}  // namespace chronicle
