#pragma once
// Group commit for the PostgreSQL store: appends from several threads that meet in the store's commit
// queue (detail/group_commit.hpp) run on one connection in one transaction, sent as one pipeline
// (libpq's pipeline mode, PostgreSQL 14's libpq and later): BEGIN, each append's statement, COMMIT and
// a sync point go out together, so the group costs one round trip and one WAL flush.
//
// No savepoints are needed: the server's append() writes nothing unless it succeeds (a conflict, a
// duplicate or a replay is a row it returns), so only an error undoes a group. An error aborts the
// pipeline up to its sync: the transaction is rolled back, the append that failed keeps its failed
// result (its caller maps it, as it would alone: a race on a unique index is sent again), and the
// others run again in a new transaction. A COMMIT the server refuses (a deferred constraint trigger)
// rolled everything back without saying whose append was to blame: each then runs alone, and gets the
// answer it would have had alone (a connection lost then: the append in flight is
// `postgres_outcome_unknown`, those after it `postgres_connection_error`). A failed BEGIN throws for
// every append of the group; a connection lost once COMMIT was queued throws `postgres_outcome_unknown`,
// since COMMIT may have reached the server.
//
// The appends run in the order of their streams, so two groups (of two processes) that write the
// same streams take their stream rows in one order. (Groups repeating the same event ids on other
// streams can still deadlock; the server breaks it, 40P01, and the caller resends.)
#include <chronicle/postgres/detail/libpq.hpp>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <exception>
#include <span>
#include <string_view>
#include <vector>

namespace chronicle {
inline namespace v0 {
namespace detail {

// One append on its way into a group: its statement's parameters, then its result or its failure.
struct pg_append_request {
  std::string_view stream;
  pg_params* params = nullptr;
  pg_result result;            // the append's own result; failed if the server refused it
  std::exception_ptr failure;  // instead of a result: what failed the whole group
  std::atomic<int> state{0};   // the commit queue's
};

// Whether `r` is append()'s answer that it wrote the batch (outcome 0).
inline bool pg_appended(const PGresult* r) noexcept {
  return !pg_connection::failed(r) && PQntuples(r) == 1 && pg_row(r, 0).int4(0) == 0;
}

// The appends of a group that failed together share one exception object: each caller throws a copy
// of its own of a postgres_error, so a handler may change what it caught (anything else, such as
// bad_alloc, is rethrown as it is).
[[noreturn]] inline void pg_rethrow_own_copy(const std::exception_ptr& failure) {
  try {
    std::rethrow_exception(failure);
  } catch (const postgres_outcome_unknown& e) {
    throw postgres_outcome_unknown(e.what(), e.sqlstate());
  } catch (const postgres_connection_error& e) {
    throw postgres_connection_error(e.what(), e.sqlstate());
  } catch (const postgres_error& e) {
    throw postgres_error(e.what(), e.sqlstate());
  }
}

class pg_group_append {
 public:
  // Runs `group` (two appends or more) with statement `append` on `c`, leaving each request with its
  // result; adds to `commits` each transaction that wrote something, as it commits. Throws if the
  // group as a whole failed: then only the results the server gave (refusals, or appends run alone)
  // and the failures already set stand.
  void run(pg_connection& c, std::size_t append, std::span<pg_append_request* const> group, std::uint64_t& commits) {
    order_.assign(group.begin(), group.end());
    std::stable_sort(order_.begin(), order_.end(),
                     [](const pg_append_request* a, const pg_append_request* b) { return a->stream < b->stream; });
    const pg_statement_name name(append);
    struct forget {  // the requests are the callers': no pointer to them outlives the group
      std::vector<pg_append_request*>& order;
      ~forget() { order.clear(); }
    } forget{order_};
    for (;;) {
      std::erase_if(order_, [](const pg_append_request* r) { return r->result != nullptr; });
      if (order_.empty()) return;
      switch (transact(c, name.text)) {
        case outcome::committed:
          commits += std::any_of(order_.begin(), order_.end(), [](const pg_append_request* r) { return pg_appended(r->result.get()); });
          return;
        case outcome::one_refused:
          continue;
        case outcome::commit_refused:
          for (pg_append_request* r : order_) {
            try {
              r->result = c.try_run(append, *r->params, true);
            } catch (...) {
              r->failure = std::current_exception();   // lost in flight: outcome unknown
              if (c.lost()) c.throw_lost(false);        // the appends after it were never sent
              throw;
            }
            commits += pg_appended(r->result.get());
          }
          return;
      }
    }
  }

 private:
  enum class outcome { committed, one_refused, commit_refused };

  // One try at the appends of `order_`: committed; or one was refused (it keeps its failed result) and
  // the transaction was rolled back; or the server refused the COMMIT.
  outcome transact(pg_connection& c, const char* name) {
    PGconn* conn = c.get();
    results_.clear();
    results_.reserve(order_.size());  // nothing to allocate once COMMIT may have gone out
    // Until COMMIT is queued, a failure leaves nothing committed.
    bool sent = PQenterPipelineMode(conn) == 1 &&
                PQsendQueryParams(conn, "BEGIN", 0, nullptr, nullptr, nullptr, nullptr, 0) == 1;
    for (pg_append_request* r : order_) sent = sent && r->params->send_pipelined(conn, name);
    if (!sent) c.throw_lost(false);
    if (PQsendQueryParams(conn, "COMMIT", 0, nullptr, nullptr, nullptr, nullptr, 0) != 1 || PQpipelineSync(conn) != 1)
      c.throw_lost(true);

    pg_result begun = next(c);
    for (std::size_t i = 0; i < order_.size(); ++i) results_.push_back(next(c));
    pg_result committed = next(c);
    pg_result synced(PQgetResult(conn));
    if (PQresultStatus(synced.get()) != PGRES_PIPELINE_SYNC || PQexitPipelineMode(conn) != 1) c.throw_lost(true);

    c.check(begun.get(), true, "BEGIN");
    for (std::size_t i = 0; i < order_.size(); ++i) {
      const auto status = PQresultStatus(results_[i].get());
      if (status == PGRES_PIPELINE_ABORTED || !pg_connection::failed(results_[i].get())) continue;
      // The sync arrived, so the server ran the whole pipeline, COMMIT too: a result that reads as a
      // lost connection is libpq's own failure, and the outcome is unknown.
      if (c.lost(results_[i].get())) c.throw_lost(true);
      order_[i]->result = std::move(results_[i]);            // the one the server refused
      pg_result rolled_back(PQexec(conn, "ROLLBACK"));
      c.check(rolled_back.get(), false, "ROLLBACK");
      return outcome::one_refused;
    }
    if (pg_connection::failed(committed.get())) {
      if (c.lost(committed.get())) c.throw_lost(true);
      return outcome::commit_refused;  // the server answered, so nothing of the group is committed
    }
    // A COMMIT of an aborted transaction succeeds as ROLLBACK: never acknowledge that.
    if (std::string_view(PQcmdStatus(committed.get())) != "COMMIT")
      throw postgres_error("chronicle: PostgreSQL rolled back a group of appends");
    for (std::size_t i = 0; i < order_.size(); ++i) order_[i]->result = std::move(results_[i]);
    return outcome::committed;
  }

  // The result of the pipeline's next statement (and the end of its results).
  static pg_result next(pg_connection& c) {
    pg_result r(PQgetResult(c.get()));
    if (r == nullptr) c.throw_lost(true);
    while (PGresult* more = PQgetResult(c.get())) PQclear(more);
    return r;
  }

  std::vector<pg_append_request*> order_;
  std::vector<pg_result> results_;
};

}  // namespace detail
}  // namespace v0
}  // namespace chronicle
