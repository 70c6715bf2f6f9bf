#pragma once
// A class over some of a chronicle schema's tables: opens the schema, then keeps a pool whose
// connections have the class's statements prepared.
#include <chronicle/postgres/detail/libpq.hpp>
#include <chronicle/postgres/detail/schema.hpp>

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

  pg_result run(std::size_t statement, pg_params& params, bool writes = false) const {
    auto c = pool_.acquire();
    return c->run(statement, params, writes);
  }
  [[nodiscard]] pg_pool& pool() const noexcept { return pool_; }

 private:
  mutable pg_pool pool_;
};

}  // namespace detail
}  // namespace v0
}  // namespace chronicle
