#pragma once
// What the SQLite tests share: a database file of their own, removed (with its WAL and shared-memory
// files) before and after.
#include <atomic>
#include <filesystem>
#include <string>
#include <string_view>
#include <unistd.h>

namespace test {

class temporary_file {
 public:
  explicit temporary_file(std::string_view tag = "test") {
    static std::atomic<int> n{0};
    path = std::filesystem::temp_directory_path() /
           ("chronicle-" + std::string(tag) + "-" + std::to_string(::getpid()) + "-" + std::to_string(++n) + ".db");
    remove();
  }
  temporary_file(const temporary_file&) = delete;
  temporary_file& operator=(const temporary_file&) = delete;
  ~temporary_file() { remove(); }

  void remove() const {
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path.string() + suffix);
  }

  std::filesystem::path path;
};

}  // namespace test
