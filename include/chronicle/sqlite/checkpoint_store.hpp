#pragma once
/// @file
/// @brief Checkpoints in the SQLite file (the `chronicle::sqlite` component).
#include <chronicle/sqlite/detail/connection.hpp>
#include <chronicle/checkpoint_store.hpp>

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace chronicle {
inline namespace v0 {

/// @brief A `checkpoint_store` in a SQLite table (`checkpoints`, shared with `sqlite_read_model`):
/// checkpoints survive restarts and every process on the file sees them. Names are bound as text,
/// any bytes. Thread-safe.
class sqlite_checkpoint_store {
 public:
  explicit sqlite_checkpoint_store(const std::string& path, sqlite_options options = {})
      : connection_(path, options), db_(connection_.get()) {
    detail::open_tables(connection_, [&] {
      load_ = {db_, "SELECT position FROM checkpoints WHERE name = ?1"};
      save_ = {db_,
               "INSERT INTO checkpoints (name, position) VALUES (?1, ?2) "
               "ON CONFLICT (name) DO UPDATE SET position = excluded.position"};
      erase_ = {db_, "DELETE FROM checkpoints WHERE name = ?1"};
    });
  }
  sqlite_checkpoint_store(const sqlite_checkpoint_store&) = delete;
  sqlite_checkpoint_store& operator=(const sqlite_checkpoint_store&) = delete;

  [[nodiscard]] std::uint64_t load(std::string_view name) const {
    std::lock_guard lock(mutex_);
    load_.reset().bind_text(1, name);
    detail::reset_on_exit done(load_);
    return load_.step() ? static_cast<std::uint64_t>(load_.integer(0)) : 0;
  }
  void save(std::string_view name, std::uint64_t position) {
    std::lock_guard lock(mutex_);
    save_.reset().bind_text(1, name).bind(2, position);
    detail::reset_on_exit done(save_);
    save_.step();
  }
  void erase(std::string_view name) {
    std::lock_guard lock(mutex_);
    erase_.reset().bind_text(1, name);
    detail::reset_on_exit done(erase_);
    erase_.step();
  }

 private:
  detail::sqlite_connection connection_;  // first: closed after the statements
  sqlite3* db_;
  mutable std::mutex mutex_;
  mutable detail::sqlite_statement load_;
  detail::sqlite_statement save_;
  detail::sqlite_statement erase_;
};

}  // namespace v0
}  // namespace chronicle
