#pragma once
// What chronicle's PostgreSQL classes share: connections, results, binary parameters and columns, and
// the bounded pool of connections each store object keeps.
#include <chronicle/envelope.hpp>
#include <chronicle/postgres/options.hpp>

#include <libpq-fe.h>
#include <poll.h>

#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace chronicle {
inline namespace v0 {
namespace detail {

// Type oids of the binary parameters and columns we use (pg_type.dat; fixed since PostgreSQL 8).
inline constexpr Oid pg_bytea = 17, pg_int8 = 20, pg_int4 = 23, pg_text = 25, pg_json = 114, pg_uuid = 2950;

// libpq's message without its trailing newline.
inline std::string pg_message(const PGconn* c) {
  std::string m = c ? PQerrorMessage(c) : "out of memory";
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
  return m;
}

struct pg_result_free {
  void operator()(PGresult* r) const noexcept { PQclear(r); }
};
using pg_result = std::unique_ptr<PGresult, pg_result_free>;

// One row of a binary result.
class pg_row {
 public:
  pg_row(const PGresult* r, int row) noexcept : r_(r), row_(row) {}
  [[nodiscard]] bool null(int c) const noexcept { return PQgetisnull(r_, row_, c) != 0; }
  [[nodiscard]] std::string_view bytes(int c) const noexcept {
    return {PQgetvalue(r_, row_, c), static_cast<std::size_t>(PQgetlength(r_, row_, c))};
  }
  [[nodiscard]] std::int64_t int8(int c) const noexcept { return static_cast<std::int64_t>(big_endian(c, 8)); }
  [[nodiscard]] std::int32_t int4(int c) const noexcept {
    return static_cast<std::int32_t>(static_cast<std::uint32_t>(big_endian(c, 4)));
  }
  [[nodiscard]] event_id uuid(int c) const noexcept {
    event_id id{};
    if (PQgetlength(r_, row_, c) == 16) std::memcpy(id.data, PQgetvalue(r_, row_, c), 16);
    return id;
  }
  // timestamptz: microseconds since 2000-01-01 UTC.
  [[nodiscard]] clock::time_point time(int c) const noexcept {
    const auto since_2000 = std::chrono::microseconds(int8(c));
    return clock::time_point(std::chrono::duration_cast<clock::duration>(since_2000 + std::chrono::seconds(946684800)));
  }
  // A one-dimensional int8[] without nulls.
  [[nodiscard]] std::vector<std::int64_t> int8_array(int c) const {
    std::vector<std::int64_t> out;
    const auto b = bytes(c);
    if (b.size() < 12 || read_be(b.data(), 4) == 0) return out;  // ndim 0: empty
    const auto n = static_cast<std::size_t>(read_be(b.data() + 12, 4));
    out.reserve(n);
    for (std::size_t i = 0, at = 20; i < n && at + 12 <= b.size(); ++i, at += 12)
      out.push_back(static_cast<std::int64_t>(read_be(b.data() + at + 4, 8)));
    return out;
  }

 private:
  static std::uint64_t read_be(const char* p, int size) noexcept {
    std::uint64_t v = 0;
    for (int i = 0; i < size; ++i) v = (v << 8) | static_cast<unsigned char>(p[i]);
    return v;
  }
  std::uint64_t big_endian(int c, int size) const noexcept {
    return PQgetlength(r_, row_, c) == size ? read_be(PQgetvalue(r_, row_, c), size) : 0;
  }
  const PGresult* r_;
  int row_;
};

// The parameters of one statement, all in binary format; values live in one buffer.
class pg_params {
 public:
  pg_params& int8(std::int64_t v) { return fixed(static_cast<std::uint64_t>(v), 8, pg_int8); }
  pg_params& int4(std::int32_t v) { return fixed(static_cast<std::uint32_t>(v), 4, pg_int4); }
  pg_params& bytea(std::string_view v) { return raw(v, pg_bytea); }
  pg_params& text(std::string_view v) { return raw(v, pg_text); }
  pg_params& uuid(const event_id& id) { return raw({reinterpret_cast<const char*>(id.data), 16}, pg_uuid); }

  // A one-dimensional array of `n` elements of type `element`, each written by `put(i, *this)` through
  // `element_*` calls.
  template <class Put>
  pg_params& array(Oid element, std::size_t n, Put&& put) {
    begin(array_of(element));
    be(1, 4);  // dimensions
    be(0, 4);  // no nulls
    be(element, 4);
    be(n, 4);
    be(1, 4);  // lower bound
    for (std::size_t i = 0; i < n; ++i) put(i, *this);
    return *this;
  }
  void element(std::string_view v) {
    be(v.size(), 4);
    buffer_.append(v);
  }
  void element_int4(std::int32_t v) {
    be(4, 4);
    be(static_cast<std::uint32_t>(v), 4);
  }
  void element_int8(std::int64_t v) {
    be(8, 4);
    be(static_cast<std::uint64_t>(v), 8);
  }
  void element_uuid(const event_id& id) { element({reinterpret_cast<const char*>(id.data), 16}); }

  [[nodiscard]] int size() const noexcept { return static_cast<int>(types_.size()); }

  // Runs `name` on `c` with these parameters, binary results.
  PGresult* send(PGconn* c, const char* name, int result_format = 1) {
    point();
    return PQexecPrepared(c, name, size(), values_.data(), lengths_.data(), formats_.data(), result_format);
  }
  // Queues `name` with these parameters on `c`, in pipeline mode; false if libpq could not.
  bool send_pipelined(PGconn* c, const char* name) {
    point();
    return PQsendQueryPrepared(c, name, size(), values_.data(), lengths_.data(), formats_.data(), 1) == 1;
  }

 private:
  void point() {
    values_.clear();
    lengths_.clear();
    offsets_.push_back(buffer_.size());
    for (std::size_t i = 0; i + 1 < offsets_.size(); ++i) {
      values_.push_back(buffer_.data() + offsets_[i]);
      lengths_.push_back(static_cast<int>(offsets_[i + 1] - offsets_[i]));
    }
    offsets_.pop_back();
    formats_.assign(types_.size(), 1);
  }
  static Oid array_of(Oid element) {
    switch (element) {
      case pg_bytea: return 1001;
      case pg_int4: return 1007;
      case pg_text: return 1009;
      case pg_json: return 199;
      case pg_uuid: return 2951;
      default: return 1016;  // int8[]
    }
  }
  void begin(Oid type) {
    types_.push_back(type);
    offsets_.push_back(buffer_.size());
  }
  void be(std::uint64_t v, int size) {
    for (int i = size - 1; i >= 0; --i) buffer_.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  }
  pg_params& fixed(std::uint64_t v, int size, Oid type) {
    begin(type);
    be(v, size);
    return *this;
  }
  pg_params& raw(std::string_view v, Oid type) {
    begin(type);
    buffer_.append(v);
    return *this;
  }
  std::string buffer_;
  std::vector<Oid> types_;
  std::vector<std::size_t> offsets_;
  std::vector<const char*> values_;
  std::vector<int> lengths_;
  std::vector<int> formats_;
};

// The name of the owner's statement `index` on every connection: "s0", "s1", ... (no allocation: it
// is spelled on every statement sent).
struct pg_statement_name {
  explicit pg_statement_name(std::size_t index) noexcept {
    *std::to_chars(text + 1, text + sizeof text - 1, index).ptr = '\0';
  }
  char text[24] = {'s'};
};

// One connection, with the owner's statements prepared on it (named by pg_statement_name, in order).
class pg_connection {
 public:
  pg_connection(const std::string& conninfo, const postgres_options& options, const std::vector<std::string>& statements) {
    const std::string timeout = std::to_string(options.connect_timeout.count());
    // The connection string's own settings win over our defaults, except the encoding: payload sizes
    // are counted in UTF-8 on both sides.
    const char* keys[] = {"connect_timeout", "application_name", "dbname", "client_encoding", nullptr};
    const char* values[] = {timeout.c_str(), "chronicle", conninfo.c_str(), "UTF8", nullptr};
    c_ = PQconnectdbParams(keys, values, 1);
    if (PQstatus(c_) != CONNECTION_OK) {
      const std::string message = pg_message(c_);
      PQfinish(c_);
      throw postgres_connection_error("chronicle: cannot connect to PostgreSQL: " + message);
    }
    PQsetNoticeProcessor(c_, [](void*, const char*) {}, nullptr);
    try {
      for (std::size_t i = 0; i < statements.size(); ++i) {
        pg_result r(PQprepare(c_, pg_statement_name(i).text, statements[i].c_str(), 0, nullptr));
        check(r.get(), false, "preparing a statement");
      }
    } catch (...) {
      PQfinish(c_);
      throw;
    }
  }
  pg_connection(const pg_connection&) = delete;
  pg_connection& operator=(const pg_connection&) = delete;
  ~pg_connection() { PQfinish(c_); }

  [[nodiscard]] PGconn* get() const noexcept { return c_; }
  [[nodiscard]] bool broken() const noexcept { return PQstatus(c_) != CONNECTION_OK; }
  // Whether the server has closed this idle connection (a restart): its socket has reached EOF. A
  // server going down sends an error first, then closes: one read takes the error and leaves the
  // connection looking alive, so read until nothing more is there (a few reads at most).
  [[nodiscard]] bool dead() {
    if (broken()) return true;
    pollfd fd{PQsocket(c_), POLLIN, 0};
    for (int reads = 0; reads < 8 && ::poll(&fd, 1, 0) > 0; ++reads, fd.revents = 0)
      if (PQconsumeInput(c_) != 1 || PQstatus(c_) != CONNECTION_OK) return true;
    while (PGnotify* n = PQnotifies(c_)) PQfreemem(n);
    return false;
  }
  [[nodiscard]] bool lost() const noexcept { return PQstatus(c_) == CONNECTION_BAD; }
  // Whether the failed result `r` means the connection is gone: libpq's own errors (no SQLSTATE), a
  // connection exception (class 08), or the server shutting down or crashing (57P01 to 57P03).
  [[nodiscard]] bool lost(const PGresult* r) const {
    if (lost()) return true;
    const std::string state = sqlstate(r);
    return state.empty() || state.starts_with("08") || state == "57P01" || state == "57P02" || state == "57P03";
  }

  // Statement `index` with `params`. A lost connection throws `postgres_connection_error`, or
  // `postgres_outcome_unknown` where `writes`; any other failure `postgres_error`.
  pg_result run(std::size_t index, pg_params& params, bool writes = false) {
    pg_result r(params.send(c_, pg_statement_name(index).text));
    if (!failed(r.get())) return r;
    check(r.get(), writes, "a statement");
    return r;
  }
  // As `run`, but SQL errors come back as the result (callers map constraint violations).
  pg_result try_run(std::size_t index, pg_params& params, bool writes = false) {
    pg_result r(params.send(c_, pg_statement_name(index).text));
    if (failed(r.get()) && lost(r.get())) throw_lost(writes);
    return r;
  }
  // Prepares `sql` as `name`, with its parameters' types.
  void prepare(const std::string& name, const std::string& sql, const std::vector<Oid>& types) {
    pg_result r(PQprepare(c_, name.c_str(), sql.c_str(), static_cast<int>(types.size()), types.data()));
    check(r.get(), false, "preparing a statement");
  }
  // The statement prepared as `name`; results in `format` (0 text, 1 binary). Failures throw.
  pg_result run_named(const std::string& name, pg_params& params, int format) {
    pg_result r(params.send(c_, name.c_str(), format));
    check(r.get(), true, "a statement");
    return r;
  }
  // Plain SQL (schema changes): text results.
  pg_result exec(const std::string& sql) {
    pg_result r(PQexec(c_, sql.c_str()));
    check(r.get(), true, "a schema statement");
    return r;
  }

  static bool failed(const PGresult* r) noexcept {
    const auto s = PQresultStatus(r);
    return r == nullptr || (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK);
  }
  static std::string sqlstate(const PGresult* r) {
    const char* s = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
    return s ? s : "";
  }
  static std::string constraint(const PGresult* r) {
    const char* s = r ? PQresultErrorField(r, PG_DIAG_CONSTRAINT_NAME) : nullptr;
    return s ? s : "";
  }

  // Throws `postgres_outcome_unknown` where `writes` (the write may have reached the server), else
  // `postgres_connection_error`.
  [[noreturn]] void throw_lost(bool writes) const {
    if (writes)
      throw postgres_outcome_unknown("chronicle: the connection to PostgreSQL was lost before the outcome of a "
                                     "write arrived (it may or may not be recorded): " + pg_message(c_));
    throw postgres_connection_error("chronicle: the connection to PostgreSQL was lost: " + pg_message(c_));
  }
  // Throws for a failed `r`, as `run` does.
  void check(const PGresult* r, bool writes, const char* what) const {
    if (!failed(r)) return;
    if (lost(r)) throw_lost(writes);
    const std::string message = r ? PQresultErrorMessage(r) : pg_message(c_);
    throw postgres_error("chronicle: PostgreSQL refused " + std::string(what) + ": " +
                             std::string(message.substr(0, message.find_last_not_of('\n') + 1)),
                         sqlstate(r));
  }

 private:
  PGconn* c_ = nullptr;
};

// At most `size` connections, opened when first needed and shared by threads: `acquire()` lends one
// (waiting while all are lent), and its lease gives it back, or drops it if it broke (the next
// acquire opens a fresh one, so a restarted server is reconnected to).
class pg_pool {
 public:
  pg_pool(std::string conninfo, postgres_options options, std::vector<std::string> statements)
      : conninfo_(std::move(conninfo)), options_(std::move(options)), statements_(std::move(statements)) {
    if (options_.pool_size == 0) options_.pool_size = 1;
  }
  pg_pool(const pg_pool&) = delete;
  pg_pool& operator=(const pg_pool&) = delete;

  class lease {
   public:
    lease(pg_pool& pool, std::unique_ptr<pg_connection> c) noexcept : pool_(&pool), c_(std::move(c)) {}
    lease(lease&& other) noexcept : pool_(std::exchange(other.pool_, nullptr)), c_(std::move(other.c_)) {}
    lease(const lease&) = delete;
    lease& operator=(const lease&) = delete;
    ~lease() {
      if (pool_) pool_->give_back(std::move(c_));
    }
    pg_connection* operator->() const noexcept { return c_.get(); }
    pg_connection& operator*() const noexcept { return *c_; }

   private:
    pg_pool* pool_;
    std::unique_ptr<pg_connection> c_;
  };

  lease acquire() {
    std::unique_lock lock(mutex_);
    returned_.wait(lock, [&] { return !idle_.empty() || open_ < options_.pool_size; });
    while (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      if (!c->dead()) return lease(*this, std::move(c));
      --open_;  // closed by the server while idle (a restart): open a fresh one instead
    }
    returned_.wait(lock, [&] { return open_ < options_.pool_size || !idle_.empty(); });
    if (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      return lease(*this, std::move(c));
    }
    ++open_;  // counted before connecting, so the bound holds while we wait for the server
    lock.unlock();
    try {
      return lease(*this, std::make_unique<pg_connection>(conninfo_, options_, statements_));
    } catch (...) {
      lock.lock();
      --open_;
      returned_.notify_one();
      throw;
    }
  }

  [[nodiscard]] const postgres_options& options() const noexcept { return options_; }
  [[nodiscard]] const std::string& conninfo() const noexcept { return conninfo_; }

 private:
  void give_back(std::unique_ptr<pg_connection> c) noexcept {
    std::lock_guard lock(mutex_);
    // A connection left inside a transaction or a pipeline (an exception between BEGIN and COMMIT) is
    // dropped too.
    if (c && !c->broken() && PQtransactionStatus(c->get()) == PQTRANS_IDLE && PQpipelineStatus(c->get()) == PQ_PIPELINE_OFF)
      idle_.push_back(std::move(c));
    else
      --open_;
    returned_.notify_one();
  }

  std::string conninfo_;
  postgres_options options_;
  std::vector<std::string> statements_;
  std::mutex mutex_;
  std::condition_variable returned_;
  std::vector<std::unique_ptr<pg_connection>> idle_;
  std::size_t open_ = 0;
};

}  // namespace detail
}  // namespace v0
}  // namespace chronicle
