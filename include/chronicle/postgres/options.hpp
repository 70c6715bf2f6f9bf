#pragma once
/// @file
/// @brief How chronicle's PostgreSQL classes connect, and what they throw when the database fails them
/// (the `chronicle::postgres` component).
#include <chrono>
#include <cstddef>
#include <stdexcept>
#include <string>

namespace chronicle {
inline namespace v0 {

/// @brief A failure of the database itself: a statement the server refused for a reason that is not a
/// contract outcome (conflicts and duplicates are values, as in every store), or a schema that is not
/// this code's. `sqlstate()` is the server's five-character SQLSTATE, empty where there is none.
class postgres_error : public std::runtime_error {
 public:
  explicit postgres_error(const std::string& message, std::string sqlstate = {})
      : std::runtime_error(message), sqlstate_(std::move(sqlstate)) {}
  [[nodiscard]] const std::string& sqlstate() const noexcept { return sqlstate_; }

 private:
  std::string sqlstate_;
};

/// @brief No connection to the server: it is down, unreachable, or refused us (libpq's message says
/// which). Nothing was written; the call may be repeated once the server is back.
class postgres_connection_error : public postgres_error {
 public:
  using postgres_error::postgres_error;
};

/// @brief The connection was lost after a write was sent and before its outcome arrived (during the
/// commit): the append may or may not be recorded. Sending the same batch again, with the same event
/// ids, is safe: a recorded batch is answered by its first result and written once.
class postgres_outcome_unknown : public postgres_connection_error {
 public:
  using postgres_connection_error::postgres_connection_error;
};

/// @brief The configured schema exists and holds tables that are not chronicle's: refused before
/// anything is written to it.
class postgres_foreign_schema : public postgres_error {
 public:
  using postgres_error::postgres_error;
};

/// @brief How the PostgreSQL classes connect and where their tables live.
struct postgres_options {
  /// The PostgreSQL schema (namespace) holding the tables: one store per schema, so several stores
  /// (one per tenant, say) share a database. Created if missing. Letters, digits and `_`, up to 63,
  /// not starting with a digit; quoted in SQL, so `Orders` and `orders` are two schemas.
  std::string schema = "chronicle";
  /// At most this many connections, opened when first needed; a thread that finds them all busy waits.
  std::size_t pool_size = 8;
  /// How long to wait for the server to accept a connection before `postgres_connection_error`
  /// (libpq's `connect_timeout`; a `connect_timeout` in the connection string takes precedence).
  std::chrono::seconds connect_timeout{10};
  /// How long a read (and a subscription's wait) keeps trying to reconnect after the connection is
  /// lost, say while the server restarts, before it throws `postgres_connection_error`. Reads are
  /// repeated from where they stopped, so nothing is delivered twice or skipped. Appends are never
  /// repeated by the store: a lost append is `postgres_outcome_unknown`, for the caller to resend.
  std::chrono::milliseconds reconnect_timeout{30000};
  /// The longest event payload (JSON bytes) the store records or reads, as in the other stores.
  std::size_t max_payload_size = std::size_t{64} << 20;
  /// Group commit: appends from several threads through one store that overlap run in one
  /// transaction on one connection, sent as one pipeline (one round trip, one COMMIT); each keeps its
  /// own expected-version check and outcome, and none returns before the shared COMMIT. `false`: each
  /// append runs alone, on a connection of the pool, in parallel with the others.
  bool group_commit = true;
};

}  // namespace v0
}  // namespace chronicle
