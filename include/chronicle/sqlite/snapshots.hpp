#pragma once
/// @file
/// @brief Snapshots in the SQLite file, for `json_snapshot_store` (the `chronicle::sqlite` component).
#include <chronicle/sqlite/detail/connection.hpp>
#include <chronicle/json/snapshot_store.hpp>

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace chronicle {
inline namespace v0 {

/// @brief Stored snapshots in a SQLite table (`snapshots`), for `json_snapshot_store<State,
/// sqlite_stored_snapshots>`: snapshots survive restarts and are shared by every process on the file.
/// Keeps a snapshot unless the stream has a newer one of the same schema. Thread-safe.
class sqlite_stored_snapshots {
 public:
  explicit sqlite_stored_snapshots(const std::string& path, sqlite_options options = {})
      : connection_(path, options), db_(connection_.get()) {
    detail::open_tables(connection_, [&] {
      save_ = {db_,
               "INSERT INTO snapshots (stream_id, version, schema_version, payload) VALUES (?1, ?2, ?3, ?4) "
               "ON CONFLICT (stream_id) DO UPDATE SET version = excluded.version, "
               "schema_version = excluded.schema_version, payload = excluded.payload "
               "WHERE snapshots.version <= excluded.version OR snapshots.schema_version <> excluded.schema_version"};
      load_ = {db_, "SELECT version, schema_version, payload FROM snapshots WHERE stream_id = ?1"};
      erase_ = {db_, "DELETE FROM snapshots WHERE stream_id = ?1"};
    });
  }
  sqlite_stored_snapshots(const sqlite_stored_snapshots&) = delete;
  sqlite_stored_snapshots& operator=(const sqlite_stored_snapshots&) = delete;

  void save(std::string_view stream, const stored_snapshot& snap) {
    std::lock_guard lock(mutex_);
    save_.reset().bind_blob(1, stream).bind(2, snap.version).bind(3, static_cast<std::int64_t>(snap.schema_version)).bind_text(4, snap.payload);
    detail::reset_on_exit done(save_);
    save_.step();
  }
  [[nodiscard]] std::optional<stored_snapshot> load(std::string_view stream) const {
    std::lock_guard lock(mutex_);
    load_.reset().bind_blob(1, stream);
    detail::reset_on_exit done(load_);
    if (!load_.step()) return std::nullopt;
    return stored_snapshot{static_cast<std::uint64_t>(load_.integer(0)), static_cast<std::uint32_t>(load_.integer(1)),
                           std::string(load_.text(2))};
  }
  void erase(std::string_view stream) {
    std::lock_guard lock(mutex_);
    erase_.reset().bind_blob(1, stream);
    detail::reset_on_exit done(erase_);
    erase_.step();
  }

 private:
  detail::sqlite_connection connection_;  // first: closed after the statements
  sqlite3* db_;
  mutable std::mutex mutex_;
  detail::sqlite_statement save_;
  mutable detail::sqlite_statement load_;
  detail::sqlite_statement erase_;
};

}  // namespace v0
}  // namespace chronicle
