#pragma once
/// @file
/// @brief Snapshots in a PostgreSQL schema, for `json_snapshot_store` (the `chronicle::postgres`
/// component).
#include <chronicle/json/snapshot_store.hpp>
#include <chronicle/postgres/detail/tables.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace chronicle {
inline namespace v0 {

/// @brief Stored snapshots in the schema's `snapshots` table, for `json_snapshot_store<State,
/// postgres_stored_snapshots>`: snapshots survive restarts and are shared by every process on the
/// database. Keeps a snapshot unless the stream has a newer one of the same schema. Thread-safe.
class postgres_stored_snapshots {
 public:
  explicit postgres_stored_snapshots(const std::string& conninfo, postgres_options options = {})
      : tables_(conninfo, options, [](const std::string& q) {
          return std::vector<std::string>{
              "INSERT INTO " + q + ".snapshots AS s (stream_id, version, schema_version, payload) "
              "VALUES ($1, $2, $3, $4::text::json) ON CONFLICT (stream_id) DO UPDATE SET version = excluded.version, "
              "schema_version = excluded.schema_version, payload = excluded.payload "
              "WHERE s.version <= excluded.version OR s.schema_version <> excluded.schema_version",
              "SELECT version, schema_version, payload FROM " + q + ".snapshots WHERE stream_id = $1",
              "DELETE FROM " + q + ".snapshots WHERE stream_id = $1"};
        }) {}

  void save(std::string_view stream, const stored_snapshot& snap) {
    detail::pg_params p;
    p.bytea(stream).int8(static_cast<std::int64_t>(snap.version)).int4(static_cast<std::int32_t>(snap.schema_version)).text(snap.payload);
    tables_.run(0, p, true);
  }
  [[nodiscard]] std::optional<stored_snapshot> load(std::string_view stream) const {
    detail::pg_params p;
    p.bytea(stream);
    auto r = tables_.read(1, p);
    if (PQntuples(r.get()) == 0) return std::nullopt;
    const detail::pg_row row(r.get(), 0);
    return stored_snapshot{static_cast<std::uint64_t>(row.int8(0)), static_cast<std::uint32_t>(row.int4(1)),
                           std::string(row.bytes(2))};
  }
  void erase(std::string_view stream) {
    detail::pg_params p;
    p.bytea(stream);
    tables_.run(2, p, true);
  }

 private:
  detail::pg_tables tables_;
};

}  // namespace v0
}  // namespace chronicle
