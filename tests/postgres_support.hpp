#pragma once
// What the PostgreSQL tests share: the test server's connection string, and a schema of their own,
// dropped before and after.
//
// The server is CHRONICLE_TEST_POSTGRES (a libpq connection string) where it is set; otherwise the
// private cluster that CTest's postgres.start fixture runs (tools/postgres-cluster), whose directory is
// CHRONICLE_TEST_POSTGRES_DIR. Without either, the tests fail: they never skip.
#include <libpq-fe.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <string>
#include <unistd.h>

namespace test {

inline std::string postgres_conninfo() {
  if (const char* url = std::getenv("CHRONICLE_TEST_POSTGRES"); url && *url) return url;
  if (const char* dir = std::getenv("CHRONICLE_TEST_POSTGRES_DIR"); dir && *dir) {
    std::ifstream in(std::string(dir) + "/conninfo");
    std::string line;
    if (std::getline(in, line) && !line.empty()) return line;
  }
  throw std::runtime_error("no PostgreSQL server for the tests: set CHRONICLE_TEST_POSTGRES, or run them through ctest");
}

// Runs SQL on connection `c`: whether the server accepted it, with its message in `message` if not.
inline bool exec_on(PGconn* c, const std::string& sql, std::string& message) {
  PGresult* r = PQexec(c, sql.c_str());
  const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
  message = PQresultErrorMessage(r);
  PQclear(r);
  return ok;
}

// Runs SQL on the test server, failing loudly.
inline void postgres_exec(const std::string& sql, const std::string& conninfo = postgres_conninfo()) {
  PGconn* c = PQconnectdb(conninfo.c_str());
  if (PQstatus(c) != CONNECTION_OK) {
    const std::string message = PQerrorMessage(c);
    PQfinish(c);
    throw std::runtime_error("test server: " + message);
  }
  PQsetNoticeProcessor(c, [](void*, const char*) {}, nullptr);
  std::string message;
  const bool ok = exec_on(c, sql, message);
  PQfinish(c);
  if (!ok) throw std::runtime_error("test server: " + message + " in: " + sql);
}

// A schema name of this test's own (a tenant), dropped with everything in it before and after.
class postgres_schema {
 public:
  explicit postgres_schema(const std::string& tag = "t") {
    static std::atomic<int> n{0};
    name = tag + "_" + std::to_string(::getpid()) + "_" + std::to_string(++n);
    drop();
  }
  postgres_schema(const postgres_schema&) = delete;
  postgres_schema& operator=(const postgres_schema&) = delete;
  ~postgres_schema() {
    try {
      drop();
    } catch (...) {
    }
  }
  void drop() const { postgres_exec("DROP SCHEMA IF EXISTS \"" + name + "\" CASCADE"); }

  std::string name;
};

}  // namespace test
