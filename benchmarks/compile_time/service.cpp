// W6, service-shaped: one main.cpp as a new user writes it from the README. Two aggregates (accounts
// and transfers, nine events), a transfer process manager, a read model behind a query bus with two
// queries, and the SQLite store with JSON codecs and JSON snapshots. benchmarks/compile_time/service
// compiles it with GCC 12 -O2 and reports CPU time and peak memory, also with the JSON parser left to
// another file (CHRONICLE_JSON_EXTERN_PARSER, as the README shows).
//
// SERVICE_STORE picks what the events are kept in, so that the shares can be told apart:
//   2 (the default)  the SQLite store, with JSON snapshots in the same file
//   1                the in-memory store, with JSON snapshots and each event encoded and decoded
//                    (the JSON codec without SQLite)
//   0                the in-memory store and snapshots (no JSON)
#ifndef SERVICE_STORE
#define SERVICE_STORE 2
#endif

#include <chronicle/chronicle.hpp>
#if SERVICE_STORE >= 1
#include <chronicle/json.hpp>
#endif
#if SERVICE_STORE == 2
#include <chronicle/sqlite.hpp>
#endif

#include <boost/describe/class.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <variant>

namespace bank {

// ---- accounts: one stream per account ----------------------------------------------------------
struct AccountOpened {
  static constexpr std::string_view event_name = "AccountOpened";
  std::string owner;
};
struct MoneyDeposited {
  static constexpr std::string_view event_name = "MoneyDeposited";
  std::int64_t cents = 0;
  std::string transfer_id;  // empty unless a transfer credited it
};
struct MoneyWithdrawn {
  static constexpr std::string_view event_name = "MoneyWithdrawn";
  std::int64_t cents = 0;
  std::string transfer_id;
};
struct WithdrawalRefused {
  static constexpr std::string_view event_name = "WithdrawalRefused";
  std::int64_t cents = 0;
  std::string transfer_id;
};
struct AccountClosed {
  static constexpr std::string_view event_name = "AccountClosed";
};
BOOST_DESCRIBE_STRUCT(AccountOpened, (), (owner))
BOOST_DESCRIBE_STRUCT(MoneyDeposited, (), (cents, transfer_id))
BOOST_DESCRIBE_STRUCT(MoneyWithdrawn, (), (cents, transfer_id))
BOOST_DESCRIBE_STRUCT(WithdrawalRefused, (), (cents, transfer_id))
BOOST_DESCRIBE_STRUCT(AccountClosed, (), ())
using account_event = std::variant<AccountOpened, MoneyDeposited, MoneyWithdrawn, WithdrawalRefused, AccountClosed>;

struct account {
  bool open = false;
  std::int64_t balance = 0;
  void apply(const AccountOpened&) { open = true; }
  void apply(const MoneyDeposited& e) { balance += e.cents; }
  void apply(const MoneyWithdrawn& e) { balance -= e.cents; }
  void apply(const WithdrawalRefused&) {}
  void apply(const AccountClosed&) { open = false; }
};
BOOST_DESCRIBE_STRUCT(account, (), (open, balance))

struct OpenAccount {
  std::string account_id;
  std::string owner;
};
struct Deposit {
  std::string account_id;
  std::int64_t cents = 0;
  std::string transfer_id;
};
struct Withdraw {
  std::string account_id;
  std::int64_t cents = 0;
  std::string transfer_id;
};
struct CloseAccount {
  std::string account_id;
};

enum class account_error { already_open, not_open, not_positive, not_empty };

inline auto decide(const account& a, const OpenAccount& c) -> chronicle::decision<account_error, AccountOpened> {
  if (a.open) return account_error::already_open;
  return AccountOpened{c.owner};
}
inline auto decide(const account& a, const Deposit& c) -> chronicle::decision<account_error, MoneyDeposited> {
  if (!a.open) return account_error::not_open;
  if (c.cents <= 0) return account_error::not_positive;
  return MoneyDeposited{c.cents, c.transfer_id};
}
// Too little money is a fact the transfer must hear of: an event, not a refusal.
inline auto decide(const account& a, const Withdraw& c)
    -> chronicle::decision<account_error, MoneyWithdrawn, WithdrawalRefused> {
  if (!a.open) return account_error::not_open;
  if (c.cents <= 0) return account_error::not_positive;
  if (a.balance < c.cents) return WithdrawalRefused{c.cents, c.transfer_id};
  return MoneyWithdrawn{c.cents, c.transfer_id};
}
inline auto decide(const account& a, const CloseAccount&) -> chronicle::decision<account_error, AccountClosed> {
  if (!a.open) return account_error::not_open;
  if (a.balance != 0) return account_error::not_empty;
  return AccountClosed{};
}

using account_aggregate = chronicle::aggregate<account, account_event, chronicle::snapshot_every<50>>;

// ---- transfers: one stream per transfer --------------------------------------------------------
struct TransferRequested {
  static constexpr std::string_view event_name = "TransferRequested";
  std::string from, to;
  std::int64_t cents = 0;
};
struct TransferDebited {
  static constexpr std::string_view event_name = "TransferDebited";
};
struct TransferCompleted {
  static constexpr std::string_view event_name = "TransferCompleted";
};
struct TransferFailed {
  static constexpr std::string_view event_name = "TransferFailed";
  std::string reason;
};
BOOST_DESCRIBE_STRUCT(TransferRequested, (), (from, to, cents))
BOOST_DESCRIBE_STRUCT(TransferDebited, (), ())
BOOST_DESCRIBE_STRUCT(TransferCompleted, (), ())
BOOST_DESCRIBE_STRUCT(TransferFailed, (), (reason))
using transfer_event = std::variant<TransferRequested, TransferDebited, TransferCompleted, TransferFailed>;

enum class transfer_status { none, requested, debited, completed, failed };
struct transfer {
  transfer_status status = transfer_status::none;
  std::string to;
  std::int64_t cents = 0;
  void apply(const TransferRequested& e) { status = transfer_status::requested, to = e.to, cents = e.cents; }
  void apply(const TransferDebited&) { status = transfer_status::debited; }
  void apply(const TransferCompleted&) { status = transfer_status::completed; }
  void apply(const TransferFailed&) { status = transfer_status::failed; }
};

struct RequestTransfer {
  std::string from, to;
  std::int64_t cents = 0;
};
struct MarkDebited {
  std::string transfer_id;
};
struct CompleteTransfer {
  std::string transfer_id;
};
struct FailTransfer {
  std::string transfer_id;
  std::string reason;
};

struct wrong_step {
  transfer_status status;
};

inline auto decide(const transfer& t, const RequestTransfer& c) -> chronicle::decision<wrong_step, TransferRequested> {
  if (t.status != transfer_status::none) return wrong_step{t.status};
  return TransferRequested{c.from, c.to, c.cents};
}
inline auto decide(const transfer& t, const MarkDebited&) -> chronicle::decision<wrong_step, TransferDebited> {
  if (t.status != transfer_status::requested) return wrong_step{t.status};
  return TransferDebited{};
}
inline auto decide(const transfer& t, const CompleteTransfer&) -> chronicle::decision<wrong_step, TransferCompleted> {
  if (t.status != transfer_status::debited) return wrong_step{t.status};
  return TransferCompleted{};
}
inline auto decide(const transfer& t, const FailTransfer& c) -> chronicle::decision<wrong_step, TransferFailed> {
  if (t.status == transfer_status::completed || t.status == transfer_status::failed) return wrong_step{t.status};
  return TransferFailed{c.reason};
}

using transfer_aggregate = chronicle::aggregate<transfer, transfer_event>;

// ---- one store for both ------------------------------------------------------------------------
using bank_event = std::variant<AccountOpened, MoneyDeposited, MoneyWithdrawn, WithdrawalRefused, AccountClosed,
                                TransferRequested, TransferDebited, TransferCompleted, TransferFailed>;
#if SERVICE_STORE == 2
using bank_store = chronicle::sqlite_store<bank_event>;
using account_snapshots = chronicle::json_snapshot_store<account, chronicle::sqlite_stored_snapshots>;
#elif SERVICE_STORE == 1
using bank_store = chronicle::memory_store<bank_event>;
using account_snapshots = chronicle::json_snapshot_store<account>;
#else
using bank_store = chronicle::memory_store<bank_event>;
using account_snapshots = chronicle::memory_snapshot_store<account>;
#endif
using account_repository = chronicle::repository<account_aggregate, bank_store, account_snapshots>;
using transfer_repository = chronicle::repository<transfer_aggregate, bank_store>;

inline auto make_command_bus(account_repository& accounts, transfer_repository& transfers) {
  return chronicle::command_bus(
      chronicle::route<OpenAccount>(accounts, &OpenAccount::account_id),
      chronicle::route<Deposit>(accounts, chronicle::existing(&Deposit::account_id)),
      chronicle::route<Withdraw>(accounts, chronicle::existing(&Withdraw::account_id)),
      chronicle::route<CloseAccount>(accounts, chronicle::existing(&CloseAccount::account_id)),
      chronicle::route<RequestTransfer>(transfers, chronicle::new_stream),
      chronicle::route<MarkDebited>(transfers, chronicle::existing(&MarkDebited::transfer_id)),
      chronicle::route<CompleteTransfer>(transfers, chronicle::existing(&CompleteTransfer::transfer_id)),
      chronicle::route<FailTransfer>(transfers, chronicle::existing(&FailTransfer::transfer_id)));
}
using command_bus = decltype(make_command_bus(std::declval<account_repository&>(), std::declval<transfer_repository&>()));

// ---- the process manager: debit, then credit, then complete; a refusal fails the transfer --------
struct transfer_process {
  using handles = chronicle::events<TransferRequested, MoneyWithdrawn, WithdrawalRefused, MoneyDeposited>;

  template <class Send>
  void when(const TransferRequested& e, const chronicle::envelope& meta, Send& send) {
    (void)send(Withdraw{e.from, e.cents, meta.stream_id});
  }
  template <class Send>
  void when(const MoneyWithdrawn& e, Send& send) {
    if (e.transfer_id.empty()) return;
    (void)send(MarkDebited{e.transfer_id});
  }
  template <class Send>
  void when(const WithdrawalRefused& e, Send& send) {
    (void)send(FailTransfer{e.transfer_id, "insufficient funds"});
  }
  template <class Send>
  void when(const MoneyDeposited& e, Send& send) {
    if (!e.transfer_id.empty()) (void)send(CompleteTransfer{e.transfer_id});
  }
};

// ---- the read side -----------------------------------------------------------------------------
struct balances {
  using handles = chronicle::events<AccountOpened, MoneyDeposited, MoneyWithdrawn, TransferFailed>;
  std::map<std::string, std::int64_t> by_account;
  int failed_transfers = 0;
  void when(const AccountOpened&, const chronicle::envelope& meta) { by_account[meta.stream_id] = 0; }
  void when(const MoneyDeposited& e, const chronicle::envelope& meta) { by_account[meta.stream_id] += e.cents; }
  void when(const MoneyWithdrawn& e, const chronicle::envelope& meta) { by_account[meta.stream_id] -= e.cents; }
  void when(const TransferFailed&) { ++failed_transfers; }
};

struct BalanceOf {
  std::string account_id;
};
struct CountFailedTransfers {};

inline auto make_query_bus(const chronicle::read_model<balances>& model) {
  return chronicle::query_bus(
      chronicle::answer<BalanceOf>(model,
                                   [](const balances& b, const BalanceOf& q) -> std::int64_t {
                                     auto it = b.by_account.find(q.account_id);
                                     return it == b.by_account.end() ? 0 : it->second;
                                   }),
      chronicle::answer<CountFailedTransfers>(
          model, [](const balances& b, const CountFailedTransfers&) { return b.failed_transfers; }));
}

}  // namespace bank

int main(int argc, char** argv) {
  using namespace bank;
#if SERVICE_STORE == 2
  const std::string path = argc > 1 ? argv[1] : "bank.db";
  bank_store store{path};
  chronicle::sqlite_stored_snapshots table{path};
  account_snapshots snapshots{table};
#elif SERVICE_STORE == 1
  bank_store store;
  chronicle::memory_stored_snapshots table;
  account_snapshots snapshots{table};
  (void)argc, (void)argv;
#else
  bank_store store;
  account_snapshots snapshots;
  (void)argc, (void)argv;
#endif
  account_repository accounts{store, snapshots};
  transfer_repository transfers{store};
  const auto commands = make_command_bus(accounts, transfers);

  chronicle::reactor<transfer_process, command_bus> process{commands};
  chronicle::subscription<bank_store, decltype(process)> running{store, process};
  chronicle::read_model<balances> model;
  chronicle::subscription<bank_store, chronicle::read_model<balances>> reading{store, model};
  running.start();
  reading.start();

  bool ok = commands.send(OpenAccount{"alice", "Alice"}) && commands.send(OpenAccount{"bob", "Bob"}) &&
            commands.send(Deposit{"alice", 10'000, ""});
  auto requested = commands.send(RequestTransfer{"alice", "bob", 2'500});
  ok = ok && requested.has_value();
  (void)process.wait_for(store.head_position(), std::chrono::seconds(5));
  (void)model.wait_for(store.head_position(), std::chrono::seconds(5));

  const auto queries = make_query_bus(model);
  const auto alice = queries.ask(BalanceOf{"alice"});
  const auto failed = queries.ask(CountFailedTransfers{});
  running.stop();
  reading.stop();
#if SERVICE_STORE == 1
  using codec = chronicle::event_codec<bank_event>;  // what a durable store compiles for its events
  store.read_all(1, [&](const chronicle::recorded_event<bank_event>& r) {
    ok = ok && codec::decode(r.type(), codec::schema_version(r.event), codec::encode(r.event)).has_value();
  });
#endif
  return ok && alice && failed && transfers.load(requested->stream_id).has_value() ? 0 : 1;
}
