#pragma once
/// @file
/// @brief How chronicle's SQLite classes open a file, and what they throw when the file fails them
/// (the `chronicle::sqlite` component).
#include <chrono>
#include <cstddef>
#include <stdexcept>
#include <string>

namespace chronicle {
inline namespace v0 {

/// @brief A failure of the database itself (I/O, a full disk, a busy database past the timeout, a
/// file of an unknown schema). Contract outcomes (conflicts, duplicates) are values, as in every store.
class sqlite_error : public std::runtime_error {
 public:
  explicit sqlite_error(const std::string& message, int code = 1 /* SQLITE_ERROR */)
      : std::runtime_error(message), code_(code) {}
  /// @brief SQLite's extended result code (`SQLITE_BUSY`, `SQLITE_IOERR_...`), or `SQLITE_ERROR`.
  [[nodiscard]] int code() const noexcept { return code_; }

 private:
  int code_;
};

/// @brief The file is not empty and not chronicle's (another application's database): refused before
/// anything is written to it.
class sqlite_foreign_file : public sqlite_error {
 public:
  using sqlite_error::sqlite_error;
};

/// @brief How a `sqlite_store` (and the snapshot, checkpoint and read-model classes) opens its file.
struct sqlite_options {
  enum class synchronous { off, normal, full };
  /// FULL: an acknowledged append survives a power cut. NORMAL (with WAL): it survives a crash of the
  /// process, and appends are several times faster.
  synchronous sync = synchronous::full;
  /// How long to wait for another writer, also while opening and creating the file, before
  /// `sqlite_error` (never `SQLITE_BUSY` to the caller).
  std::chrono::milliseconds busy_timeout{5000};
  /// The longest event payload (JSON bytes) the store records or reads: a longer event is refused by
  /// `append` with `payload_too_large`, and a longer stored one (written with a higher limit) makes
  /// reads throw `sqlite_error` instead of spending memory on it.
  std::size_t max_payload_size = std::size_t{64} << 20;
  /// Appends from several threads through one `sqlite_store` that overlap share one transaction and
  /// one commit, each with its own version check and outcome (a refused one is rolled back alone), and
  /// none returns before that commit. Off: each append commits its own transaction.
  bool group_commit = true;
};

}  // namespace v0
}  // namespace chronicle
