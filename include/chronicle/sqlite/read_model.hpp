#pragma once
/// @file
/// @brief Read models kept in SQLite tables, whose rows and checkpoint change in one transaction, so a
/// crash never applies an event twice or skips one (the `chronicle::sqlite` component).
#include <chronicle/detail/sql_read_model.hpp>
#include <chronicle/detail/subscriber.hpp>
#include <chronicle/event_store.hpp>
#include <chronicle/projection.hpp>
#include <chronicle/sqlite/store.hpp>

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

namespace detail {
// The SQLite side of `sql_read_model`: one connection of the model's own.
class sqlite_model_db {
 public:
  template <class Create>
  sqlite_model_db(const std::string& path, const sqlite_options& options, Create&& create)
      : connection_(path, options), writer_(std::make_unique<sqlite_writer>(connection_.get())) {
    // Only the checkpoints table of the store's schema: the file may be the model's alone, or the
    // store's own. Another application's file is refused before anything is written.
    open_read_model_file(connection_, [&] { create(*writer_); });
  }
  sqlite_writer& writer() { return *writer_; }
  template <class F>
  void in_transaction(F&& f) {
    sqlite_transaction tx(connection_.get());
    if (f()) tx.commit();
  }
  std::uint64_t checkpoint(std::string_view name) {
    return static_cast<std::uint64_t>(
        writer_->query_integer("SELECT position FROM checkpoints WHERE name = ?1", name).value_or(0));
  }
  // BEGIN IMMEDIATE holds the file's write lock already.
  std::uint64_t locked_checkpoint(std::string_view name) { return checkpoint(name); }
  void save_checkpoint(std::string_view name, std::uint64_t position) {
    writer_->execute("INSERT INTO checkpoints (name, position) VALUES (?1, ?2) ON CONFLICT (name) DO UPDATE SET "
                     "position = excluded.position",
                     name, position);
  }
  void erase_checkpoint(std::string_view name) { writer_->execute("DELETE FROM checkpoints WHERE name = ?1", name); }
  static bool transient() noexcept { return false; }  // a busy file is waited for inside SQLite already

 private:
  sqlite_connection connection_;  // first: closed after the writer's statements
  std::unique_ptr<sqlite_writer> writer_;
};
}  // namespace detail

/// @brief Feeds a `sqlite_projection` from any store, in transactions of up to 1,000 events that also
/// move its checkpoint (the file's `checkpoints` table, shared with `sqlite_checkpoint_store`): after a
/// crash it resumes at the last committed event, so each event is applied exactly once. A throwing
/// handler rolls back its transaction and stops the model (`failure()`), nothing skipped; so does a
/// failing read of the store. Thread-safe; drive it with `catch_up` or a `subscription`.
template <sqlite_projection P>
class sqlite_read_model : public detail::sql_read_model<P, detail::sqlite_model_db> {
  static_assert(detail::check_when_handlers<P, sqlite_writer>::value);

 public:
  explicit sqlite_read_model(const std::string& path, P projection = {}, sqlite_options options = {})
      : detail::sql_read_model<P, detail::sqlite_model_db>(
            std::move(projection), path, options, [](sqlite_writer& w) { P::create(w); }) {}
};

}  // namespace v0
}  // namespace chronicle
