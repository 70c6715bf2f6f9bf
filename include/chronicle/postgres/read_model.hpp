#pragma once
/// @file
/// @brief Read models kept in PostgreSQL tables, whose rows and checkpoint change in one transaction,
/// so a crash never applies an event twice or skips one (the `chronicle::postgres` component).
#include <chronicle/detail/sql_read_model.hpp>
#include <chronicle/detail/subscriber.hpp>
#include <chronicle/event_store.hpp>
#include <chronicle/postgres/detail/libpq.hpp>
#include <chronicle/postgres/detail/tables.hpp>
#include <chronicle/projection.hpp>

#include <boost/uuid/uuid.hpp>

#include <charconv>
#include <concepts>
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace chronicle {
inline namespace v0 {

/// @brief What a PostgreSQL projection's handlers write with: SQL run inside the model's current
/// transaction, every argument a bound parameter ($1, $2, ...: integers as bigint, UUIDs as uuid,
/// strings as text). The model's connection has the store's schema first on its `search_path`, so a
/// projection's tables live beside the events of its tenant.
class postgres_writer {
 public:
  explicit postgres_writer(detail::pg_connection& c) : c_(&c) {}

  /// @brief Runs `sql` with `args`; statements are prepared once per connection and cached.
  template <class... Args>
  void execute(std::string_view sql, const Args&... args) {
    (void)run(sql, args...);
  }

  /// @brief The first column of the first row of `sql` as an integer, if there is a row (and it is
  /// not null).
  template <class... Args>
  std::optional<std::int64_t> query_integer(std::string_view sql, const Args&... args) {
    auto r = run(sql, args...);
    if (PQntuples(r.get()) == 0 || PQgetisnull(r.get(), 0, 0)) return std::nullopt;
    const char* text = PQgetvalue(r.get(), 0, 0);
    std::int64_t v = 0;
    std::from_chars(text, text + PQgetlength(r.get(), 0, 0), v);
    return v;
  }

  /// @brief The first column of the first row of `sql` as text, if there is a row (and it is not null).
  template <class... Args>
  std::optional<std::string> query_text(std::string_view sql, const Args&... args) {
    auto r = run(sql, args...);
    if (PQntuples(r.get()) == 0 || PQgetisnull(r.get(), 0, 0)) return std::nullopt;
    return std::string(PQgetvalue(r.get(), 0, 0), static_cast<std::size_t>(PQgetlength(r.get(), 0, 0)));
  }

 private:
  template <class T>
  static Oid type_of() {
    if constexpr (std::is_integral_v<T>)
      return detail::pg_int8;
    else if constexpr (std::is_same_v<T, boost::uuids::uuid>)
      return detail::pg_uuid;
    else
      return detail::pg_text;
  }
  template <class T>
  static void bind(detail::pg_params& p, const T& v) {
    if constexpr (std::is_integral_v<T>)
      p.int8(static_cast<std::int64_t>(v));
    else if constexpr (std::is_same_v<T, boost::uuids::uuid>)
      p.uuid(v);
    else
      p.text(std::string_view(v));
  }
  // Text results: the caller reads them as it likes.
  template <class... Args>
  detail::pg_result run(std::string_view sql, const Args&... args) {
    const std::vector<Oid> types{type_of<Args>()...};
    std::string key(sql);
    for (Oid t : types) key += "\x1f" + std::to_string(t);
    auto it = names_.find(key);
    if (it == names_.end()) {
      const std::string name = "w" + std::to_string(names_.size());
      c_->prepare(name, std::string(sql), types);
      it = names_.emplace(std::move(key), name).first;
    }
    detail::pg_params p;
    (bind(p, args), ...);
    return c_->run_named(it->second, p, 0);
  }

  detail::pg_connection* c_;
  std::map<std::string, std::string, std::less<>> names_;
};

/// @brief A projection kept in PostgreSQL: lists `handles`, names itself (`static constexpr
/// std::string_view name`), creates its tables (`static void create(postgres_writer&)`, say with
/// `CREATE TABLE IF NOT EXISTS`), empties them (`static void clear(postgres_writer&)`), and has
/// `when(const E&, const envelope&, postgres_writer&)` or `when(const E&, postgres_writer&)` per event.
template <class P>
concept postgres_projection = requires(postgres_writer& w) {
  typename P::handles;
  { P::name } -> std::convertible_to<std::string_view>;
  P::create(w);
  P::clear(w);
};

namespace detail {
// The PostgreSQL side of `sql_read_model`: one connection of the model's own, reopened when lost.
class pg_model_db {
 public:
  template <class Create>
  pg_model_db(const std::string& conninfo, postgres_options options, Create create)
      : conninfo_(conninfo), options_(std::move(options)), create_(std::move(create)), q_(checked_schema(options_.schema)) {
    connect(true);
  }

  postgres_writer& writer() { return *writer_; }

  template <class F>
  void in_transaction(F&& f) {
    if (!c_ || c_->broken()) connect();
    c_->exec("BEGIN");
    bool commit = false;
    try {
      commit = f();
    } catch (...) {
      if (!c_->broken()) PQclear(PQexec(c_->get(), "ROLLBACK"));
      throw;
    }
    c_->exec(commit ? "COMMIT" : "ROLLBACK");
  }
  std::uint64_t checkpoint(std::string_view name) {
    if (!c_ || c_->broken()) connect();
    pg_params p;
    p.bytea(name);
    auto r = c_->run_named("load", p, 1);
    return PQntuples(r.get()) == 0 ? 0 : static_cast<std::uint64_t>(pg_row(r.get(), 0).int8(0));
  }
  // Model objects of one name (in any process) take turns: a transaction-long advisory lock keyed by
  // the schema and the name, then the checkpoint as committed by the previous turn.
  std::uint64_t locked_checkpoint(std::string_view name) {
    pg_params p;
    p.bytea(name);
    c_->run_named("lock", p, 1);
    return checkpoint(name);
  }
  void save_checkpoint(std::string_view name, std::uint64_t position) {
    pg_params p;
    p.bytea(name).int8(static_cast<std::int64_t>(position));
    c_->run_named("save", p, 1);
  }
  void erase_checkpoint(std::string_view name) {
    pg_params p;
    p.bytea(name);
    c_->run_named("erase", p, 1);
  }
  static bool transient() {
    try {
      throw;
    } catch (const postgres_connection_error&) {
      return true;
    } catch (...) {
      return false;
    }
  }

 private:
  // Opens the model's connection; a lost one is replaced before the next transaction (the server
  // may be back).
  void connect(bool open_schema = false) {
    writer_.reset();
    c_.reset();
    auto c = std::make_unique<pg_connection>(conninfo_, options_, std::vector<std::string>{});
    if (open_schema) open_postgres_schema(*c, options_.schema);  // on this connection: its statements need it
    c->exec("SET search_path TO " + q_ + ", public");
    c->prepare("load", "SELECT position FROM " + q_ + ".checkpoints WHERE name = $1", {pg_bytea});
    c->prepare("save", "INSERT INTO " + q_ + ".checkpoints (name, position) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET position = excluded.position", {pg_bytea, pg_int8});
    c->prepare("lock", "SELECT pg_advisory_xact_lock(hashtextextended('chronicle model " + options_.schema + " ' || encode($1, 'hex'), 0))", {pg_bytea});
    c->prepare("erase", "DELETE FROM " + q_ + ".checkpoints WHERE name = $1", {pg_bytea});
    c_ = std::move(c);
    writer_ = std::make_unique<postgres_writer>(*c_);
    // Under the schema's lock: concurrent CREATE TABLE IF NOT EXISTS of one table can fail.
    in_transaction([&] {
      c_->exec("SELECT pg_advisory_xact_lock(hashtextextended('chronicle schema " + options_.schema + "', 0))");
      create_(*writer_);
      return true;
    });
  }

  std::string conninfo_;
  postgres_options options_;
  void (*create_)(postgres_writer&);
  std::string q_;
  std::unique_ptr<pg_connection> c_;
  std::unique_ptr<postgres_writer> writer_;
};
}  // namespace detail

/// @brief Feeds a `postgres_projection` from any store, in transactions of up to 1,000 events that
/// also move its checkpoint (the schema's `checkpoints` table, shared with
/// `postgres_checkpoint_store`): after a crash it resumes at the last committed event, so each event
/// is applied exactly once, however many processes run the same model. A throwing handler rolls
/// back its transaction and stops the model (`failure()`); a lost connection does not (the next
/// `catch_up` reconnects and goes on). Thread-safe; drive it with `catch_up` or a `subscription`.
template <postgres_projection P>
class postgres_read_model : public detail::sql_read_model<P, detail::pg_model_db> {
  static_assert(detail::check_when_handlers<P, postgres_writer>::value);

 public:
  explicit postgres_read_model(const std::string& conninfo, P projection = {}, postgres_options options = {})
      : detail::sql_read_model<P, detail::pg_model_db>(
            std::move(projection), conninfo, std::move(options), [](postgres_writer& w) { P::create(w); }) {}
};

}  // namespace v0
}  // namespace chronicle
