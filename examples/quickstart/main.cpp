#include <chronicle/chronicle.hpp>

#include <iostream>
#include <variant>

struct Deposited { static constexpr std::string_view event_name = "Deposited"; long cents; };
struct Withdrawn { static constexpr std::string_view event_name = "Withdrawn"; long cents; };
using account_event = std::variant<Deposited, Withdrawn>;

struct account {  // state, evolved by one apply() per event
  long balance = 0;
  void apply(const Deposited& e) { balance += e.cents; }
  void apply(const Withdrawn& e) { balance -= e.cents; }
};

struct Deposit { long cents; };
struct Withdraw { long cents; };
struct insufficient_funds { long balance, requested; };

auto decide(const account&, const Deposit& c) -> chronicle::decision<chronicle::no_error, Deposited> {
  return Deposited{c.cents};
}
auto decide(const account& a, const Withdraw& c) -> chronicle::decision<insufficient_funds, Withdrawn> {
  if (c.cents > a.balance) return insufficient_funds{a.balance, c.cents};
  return Withdrawn{c.cents};
}

using account_aggregate = chronicle::aggregate<account, account_event, chronicle::snapshot_every<100>>;

int main() {
  chronicle::memory_store<account_event> store;
  chronicle::repository<account_aggregate, decltype(store)> accounts{store};

  if (auto r = accounts.execute("alice", Deposit{100})) std::cout << "deposited, version " << r->version << '\n';
  if (auto r = accounts.execute("alice", Withdraw{500}); !r)
    std::cout << "rejected, balance " << std::get<insufficient_funds>(r.error()).balance << '\n';
  std::cout << "balance " << accounts.load("alice").value().state.balance << '\n';
}
