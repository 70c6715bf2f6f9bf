#pragma once
// The tables and functions of one chronicle schema in PostgreSQL, and the rules for opening it: whose
// it is, its version, several processes creating it at once.
//
// The global order is gap-safe without serialising writers (README, "PostgreSQL: the global order"):
// - a writer, inside its transaction and before it draws positions, reads the last position drawn
//   (`c`) and takes a shared advisory lock keyed by `c`, held until it commits or rolls back; then it
//   draws its positions (all above `c`) from a sequence;
// - a reader asks `horizon()`: the last position drawn (D), then the keys of the locks held (each
//   writer in flight, with the position it saw), and returns min(D, every key); it then reads, in a
//   later snapshot, only rows at or below that horizon.
// Every position at or below the horizon was drawn before D was read, by a transaction that locked
// before drawing; if it is still in flight when the locks are read, its key (below its positions)
// caps the horizon; otherwise it has ended before the reader's snapshot, so its rows are visible (or
// rolled back, never to be). So no row at or below a horizon can appear later. A lock costs the
// writer one lock-table entry; writers take it shared, so they never wait for each other.
#include <chronicle/postgres/detail/libpq.hpp>

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

namespace chronicle {
inline namespace v0 {
namespace detail {

inline constexpr int postgres_schema_version = 1;

// A schema name is a plain identifier, so it can be written into SQL (schema names cannot be bound).
inline std::string checked_schema(std::string_view name) {
  bool ok = !name.empty() && name.size() <= 63 && !(name[0] >= '0' && name[0] <= '9');
  for (char c : name) ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_');
  if (!ok)
    throw std::invalid_argument("chronicle: a PostgreSQL schema name must be 1 to 63 letters, digits or underscores, "
                                "not starting with a digit: '" + std::string(name) + "'");
  return "\"" + std::string(name) + "\"";
}

// The DDL of schema version 1, for the quoted schema `q`.
inline std::string postgres_schema_sql(const std::string& q) {
  const std::string events_oid = "('" + q + ".events'::regclass::oid::bigint)::bit(32)::integer";
  const std::string last_drawn = "SELECT CASE WHEN s.is_called THEN s.last_value ELSE 0 END FROM " + q + ".positions s";
  return "CREATE SCHEMA IF NOT EXISTS " + q + ";\n"
         "CREATE TABLE " + q + ".chronicle_schema (version integer NOT NULL);\n"
         "INSERT INTO " + q + ".chronicle_schema VALUES (" + std::to_string(postgres_schema_version) + ");\n"
         "CREATE SEQUENCE " + q + ".positions AS bigint MINVALUE 1 CACHE 1;\n"
         "CREATE TABLE " + q + ".events (position bigint PRIMARY KEY, stream_id bytea NOT NULL, "
         "version bigint NOT NULL, event_id uuid NOT NULL UNIQUE, type text NOT NULL, schema_version integer NOT NULL, "
         "payload json NOT NULL, correlation_id uuid NOT NULL, causation_id uuid NOT NULL, "
         "recorded_at timestamptz NOT NULL, "
         // Kept beside the payload so that a read's chunk can stop at 1 MiB without reading payloads.
         "payload_size integer GENERATED ALWAYS AS (octet_length(payload::text)) STORED, UNIQUE (stream_id, version));\n"
         "CREATE TABLE " + q + ".snapshots (stream_id bytea PRIMARY KEY, version bigint NOT NULL, "
         "schema_version integer NOT NULL, payload json NOT NULL);\n"
         "CREATE TABLE " + q + ".checkpoints (name bytea PRIMARY KEY, position bigint NOT NULL);\n"
         // The safe horizon of the global order (see the top of this file). The statements run in this
         // order, each reading the sequence and the lock table as they are at that moment.
         "CREATE FUNCTION " + q + ".horizon() RETURNS bigint LANGUAGE plpgsql VOLATILE AS $chronicle$\n"
         "DECLARE drawn bigint; later bigint; keys bigint[]; held bigint;\n"
         "BEGIN\n"
         "  " + last_drawn + " INTO drawn;\n"
         "  SELECT array_agg(l.objid::bigint) INTO keys FROM pg_locks l WHERE l.locktype = 'advisory' "
         "AND l.objsubid = 2 AND l.classid::bigint::bit(32)::integer = " + events_oid + " "
         "AND l.database = (SELECT d.oid FROM pg_database d WHERE d.datname = current_database());\n"
         // A key holds the low 32 bits of a position at most `later`: the largest such position.
         "  " + last_drawn + " INTO later;\n"
         "  SELECT min(later - ((later - k) & 4294967295)) INTO held FROM unnest(keys) k;\n"
         "  RETURN greatest(0, least(drawn, held));\n"
         "END $chronicle$;\n"
         // One append, in one statement: a replay of a recorded batch, the expected-version check, the
         // duplicate check, then positions drawn under the writer's lock and the rows inserted. A
         // concurrent writer of the same stream that got there first fails the insert on
         // UNIQUE (stream_id, version): the caller reads that as a conflict.
         // outcome: 0 written, 1 replayed (the batch was recorded), 2 duplicate (detail: the 1-based
         // index of the id), 3 conflict (detail: the stream's version).
         "CREATE FUNCTION " + q + ".append(p_stream bytea, p_kind integer, p_expected bigint, p_ids uuid[], "
         "p_types text[], p_schema_versions integer[], p_payloads json[], p_correlations uuid[], p_causations uuid[]) "
         "RETURNS TABLE (outcome integer, version bigint, positions bigint[], recorded_at timestamptz, detail bigint) "
         "LANGUAGE plpgsql VOLATILE AS $chronicle$\n"
         "DECLARE n integer := cardinality(p_ids); cur bigint; first_stream bytea; first_version bigint;\n"
         "  drawn bigint; pos bigint[]; stamp timestamptz; dup bigint;\n"
         "BEGIN\n"
         "  SELECT e.stream_id, e.version INTO first_stream, first_version FROM " + q + ".events e "
         "WHERE e.event_id = p_ids[1];\n"
         "  IF FOUND THEN\n"
         "    IF first_stream <> p_stream THEN RETURN QUERY SELECT 2, 0::bigint, NULL::bigint[], NULL::timestamptz, 1::bigint; RETURN; END IF;\n"
         "    SELECT min(b.i) INTO dup FROM unnest(p_ids) WITH ORDINALITY AS b(id, i) WHERE NOT EXISTS (SELECT 1 FROM "
         + q + ".events e WHERE e.stream_id = p_stream AND e.version = first_version + b.i - 1 AND e.event_id = b.id);\n"
         "    IF dup IS NOT NULL THEN RETURN QUERY SELECT 2, 0::bigint, NULL::bigint[], NULL::timestamptz, dup; RETURN; END IF;\n"
         "    SELECT array_agg(e.position ORDER BY e.version), max(e.recorded_at) INTO pos, stamp FROM " + q + ".events e "
         "WHERE e.stream_id = p_stream AND e.version >= first_version AND e.version < first_version + n;\n"
         "    RETURN QUERY SELECT 1, first_version + n - 1, pos, stamp, 0::bigint; RETURN;\n"
         "  END IF;\n"
         "  SELECT COALESCE(max(e.version), 0) INTO cur FROM " + q + ".events e WHERE e.stream_id = p_stream;\n"
         "  IF NOT (p_kind = 0 OR (p_kind = 1 AND cur = 0) OR (p_kind = 2 AND cur <> 0) OR "
         "(p_kind = 3 AND cur = p_expected)) THEN\n"
         "    RETURN QUERY SELECT 3, cur, NULL::bigint[], NULL::timestamptz, cur; RETURN;\n"
         "  END IF;\n"
         "  SELECT min(b.i) INTO dup FROM (SELECT u.id, u.i, row_number() OVER (PARTITION BY u.id ORDER BY u.i) AS k "
         "FROM unnest(p_ids) WITH ORDINALITY AS u(id, i)) b WHERE b.k > 1 OR EXISTS (SELECT 1 FROM " + q + ".events e "
         "WHERE e.event_id = b.id);\n"
         "  IF dup IS NOT NULL THEN RETURN QUERY SELECT 2, 0::bigint, NULL::bigint[], NULL::timestamptz, dup; RETURN; END IF;\n"
         "  " + last_drawn + " INTO drawn;\n"
         "  PERFORM pg_advisory_xact_lock_shared(" + events_oid + ", (drawn & 4294967295)::bit(32)::integer);\n"
         "  pos := ARRAY(SELECT nextval('" + q + ".positions') FROM generate_series(1, n));\n"
         // Never before the stream's previous event, whatever the clock did meanwhile.
         "  stamp := greatest(clock_timestamp(), (SELECT e.recorded_at FROM " + q + ".events e WHERE e.stream_id = p_stream "
         "ORDER BY e.version DESC LIMIT 1));\n"
         "  INSERT INTO " + q + ".events (position, stream_id, version, event_id, type, schema_version, payload, "
         "correlation_id, causation_id, recorded_at) SELECT pos[b.i], p_stream, cur + b.i, b.id, p_types[b.i], "
         "p_schema_versions[b.i], p_payloads[b.i], p_correlations[b.i], p_causations[b.i], stamp "
         "FROM unnest(p_ids) WITH ORDINALITY AS b(id, i);\n"
         "  RETURN QUERY SELECT 0, cur + n, pos, stamp, 0::bigint;\n"
         "END $chronicle$;\n";
}

// Opens the schema for any of the PostgreSQL classes: creates it whole if it is missing or empty,
// accepts it if it is chronicle's at this version, refuses a newer version and a schema holding
// anything else (`postgres_foreign_schema`) before writing anything. Concurrent openers (processes)
// wait for each other on an advisory lock keyed by the schema name.
inline void open_postgres_schema(pg_connection& c, const std::string& name) {
  const std::string q = checked_schema(name);
  if (const char* encoding = PQparameterStatus(c.get(), "server_encoding");
      encoding == nullptr || std::string_view(encoding) != "UTF8")
    throw postgres_error("chronicle: the database's encoding is " + std::string(encoding ? encoding : "unknown") +
                         ", not UTF8: event payloads are UTF-8 JSON");
  c.exec("BEGIN");
  try {
    c.exec("SELECT pg_advisory_xact_lock(hashtextextended('chronicle schema " + name + "', 0))");
    auto probe = c.exec(
        "SELECT to_regclass('" + q + ".chronicle_schema') IS NOT NULL, "
        "(SELECT count(*) FROM pg_class WHERE relnamespace = n.oid) + (SELECT count(*) FROM pg_proc WHERE pronamespace = n.oid) "
        "FROM (SELECT (SELECT oid FROM pg_namespace WHERE nspname = '" + name + "') AS oid) n");
    const bool marked = std::string_view(PQgetvalue(probe.get(), 0, 0)) == "t";
    const bool empty = std::string_view(PQgetvalue(probe.get(), 0, 1)) == "0";
    if (marked) {
      auto found = c.exec("SELECT max(version) FROM " + q + ".chronicle_schema");
      const int version = std::stoi(PQgetvalue(found.get(), 0, 0));
      if (version > postgres_schema_version)
        throw postgres_error("chronicle: the PostgreSQL schema '" + name + "' has chronicle schema version " +
                             std::to_string(version) + ", newer than this code's " +
                             std::to_string(postgres_schema_version));
    } else if (!empty) {
      throw postgres_foreign_schema("chronicle: the PostgreSQL schema '" + name +
                                    "' holds tables that are not chronicle's: refused, nothing written");
    } else {
      c.exec(postgres_schema_sql(q));
    }
    c.exec("COMMIT");
  } catch (...) {
    if (!c.broken()) PQclear(PQexec(c.get(), "ROLLBACK"));
    throw;
  }
}

}  // namespace detail
}  // namespace v0
}  // namespace chronicle
