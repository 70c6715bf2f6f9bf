#pragma once
/// @file
/// @brief Checkpoints in a PostgreSQL schema (the `chronicle::postgres` component).
#include <chronicle/checkpoint_store.hpp>
#include <chronicle/postgres/detail/tables.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace chronicle {
inline namespace v0 {

/// @brief A `checkpoint_store` in the schema's `checkpoints` table (shared with `postgres_read_model`):
/// checkpoints survive restarts and every process on the database sees them. Names are any bytes.
/// Thread-safe (a pool of connections, as the store's).
class postgres_checkpoint_store {
 public:
  explicit postgres_checkpoint_store(const std::string& conninfo, postgres_options options = {})
      : tables_(conninfo, options, [](const std::string& q) {
          return std::vector<std::string>{
              "SELECT position FROM " + q + ".checkpoints WHERE name = $1",
              "INSERT INTO " + q + ".checkpoints (name, position) VALUES ($1, $2) "
              "ON CONFLICT (name) DO UPDATE SET position = excluded.position",
              "DELETE FROM " + q + ".checkpoints WHERE name = $1"};
        }) {}

  [[nodiscard]] std::uint64_t load(std::string_view name) const {
    detail::pg_params p;
    p.bytea(name);
    auto r = tables_.read(0, p);
    return PQntuples(r.get()) == 0 ? 0 : static_cast<std::uint64_t>(detail::pg_row(r.get(), 0).int8(0));
  }
  void save(std::string_view name, std::uint64_t position) {
    detail::pg_params p;
    p.bytea(name).int8(static_cast<std::int64_t>(position));
    tables_.run(1, p, true);
  }
  void erase(std::string_view name) {
    detail::pg_params p;
    p.bytea(name);
    tables_.run(2, p, true);
  }

 private:
  detail::pg_tables tables_;
};

}  // namespace v0
}  // namespace chronicle
