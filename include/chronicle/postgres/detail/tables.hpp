#pragma once
// A class over some of a chronicle schema's tables: opens the schema, then keeps a pool whose
// connections have the class's statements prepared.
#include <chronicle/detail/interruption.hpp>
#include <chronicle/postgres/detail/libpq.hpp>
#include <chronicle/postgres/detail/schema.hpp>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

namespace chronicle {
inline namespace v0 {
namespace detail {

class pg_tables {
 public:
  // `statements(quoted_schema)` gives the SQL of statements 0, 1, ...
  template <class Statements>
  pg_tables(const std::string& conninfo, const postgres_options& options, Statements&& statements)
      : pool_(conninfo, options, statements(checked_schema(options.schema))) {
    pg_connection first(conninfo, options, {});  // the statements need the schema
    open_postgres_schema(first, options.schema);
  }

  // Runs `f` again while it throws `postgres_connection_error` (not `postgres_outcome_unknown`),
  // until the reconnect timeout has passed, or until the subscription whose thread this is stops
  // (detail/interruption.hpp).
  template <class F>
  auto reconnecting(F&& f) const -> decltype(f()) {
    const auto deadline = std::chrono::steady_clock::now() + pool_.options().reconnect_timeout;
    for (auto pause = std::chrono::milliseconds(10);; pause = std::min(pause * 2, std::chrono::milliseconds(500))) {
      try {
        return f();
      } catch (const postgres_outcome_unknown&) {
        throw;
      } catch (const postgres_connection_error&) {
        if (std::chrono::steady_clock::now() + pause >= deadline) throw;
      }
      interruptible_sleep(pause);
    }
  }

  // A write: sent once; a connection lost on the way is `postgres_outcome_unknown`.
  pg_result run(std::size_t statement, pg_params& params, bool writes = false) const {
    auto c = pool_.acquire();
    return c->run(statement, params, writes);
  }
  // A read: repeated on a fresh connection while the connection is lost, up to the reconnect timeout.
  pg_result read(std::size_t statement, pg_params& params) const {
    return reconnecting([&] {
      auto c = pool_.acquire();
      return c->run(statement, params);
    });
  }
  [[nodiscard]] pg_pool& pool() const noexcept { return pool_; }

 private:
  mutable pg_pool pool_;
};

}  // namespace detail
}  // namespace v0
}  // namespace chronicle
