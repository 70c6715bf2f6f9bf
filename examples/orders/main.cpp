// The Order system of the reference, on chronicle.
//
// Write side: place, confirm and ship an order through the command bus; a late cancel is rejected.
// The audit trail and the order's state at an earlier version. Read side: order_summary updated inline
// (a query right after a command sees it); the per-user list and count as catch-up subscribers, read
// after waiting for the command's position (read-your-writes). Finally a rebuild of the user list by
// replaying the store, with a progress bar.
//
// Usage: orders [--orders N] [--sqlite FILE | --postgres URL]
//   --orders N      N more orders for the rebuild demo (default 333,334, about 1,000,000 events; 0 on a
//                   database)
//   --sqlite FILE   keep the events in a SQLite file: a second run sees the orders of the first
//   --postgres URL  keep the events in PostgreSQL (a libpq connection string, schema orders_example);
//                   the per-user order list is a table kept by a projector in a second process, which
//                   the queries read after waiting for its checkpoint; a second run sees the first's
#include "read_side.hpp"

#include <boost/uuid/uuid_io.hpp>

#include <chrono>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>

#ifdef CHRONICLE_HAS_SQLITE
#include <chronicle/sqlite/store.hpp>
#endif
#ifdef CHRONICLE_HAS_POSTGRES
#include "postgres_read_side.hpp"

#include <csignal>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#endif

using namespace orders;

namespace {

template <class Result>
void report(std::string_view what, const Result& r) {
  if (r) {
    const chronicle::append_result& appended = [&]() -> const chronicle::append_result& {
      if constexpr (requires { r->appended; })
        return r->appended;  // through the bus: a command_receipt
      else
        return *r;  // through the repository
    }();
    std::cout << "  " << what << ": ok, stream version " << appended.version << ", global position "
              << appended.position << '\n';
    return;
  }
  std::visit(
      [&](const auto& error) {
        if constexpr (std::is_same_v<std::decay_t<decltype(error)>, order_error>)
          std::cout << "  " << what << ": rejected: " << describe(error) << '\n';
        else
          std::cout << "  " << what << ": failed: " << chronicle::describe(error) << '\n';
      },
      r.error());
}

std::string money_text(money m) {
  const auto cents = std::to_string(100 + m.cents % 100);
  return std::to_string(m.cents / 100) + "." + cents.substr(1);
}

void print_state(const chronicle::loaded<order>& o) {
  std::cout << "  status " << to_string(o.state.status) << ", quantity " << o.state.quantity << ", total "
            << money_text(o.state.total) << ", at version " << o.version << '\n';
}

void progress_bar(std::uint64_t done, std::uint64_t total) {
  constexpr int width = 40;
  const int filled = total == 0 ? width : static_cast<int>(width * done / total);
  std::cout << "\r  [" << std::string(static_cast<std::size_t>(filled), '#')
            << std::string(static_cast<std::size_t>(width - filled), ' ') << "] " << done << " / " << total
            << std::flush;
}

}  // namespace

// What the queries also show when the list is kept elsewhere (another process): called with the
// position of the last command and the user.
using remote_view = std::function<bool(std::uint64_t, const boost::uuids::uuid&)>;

template <class Events>
int run(Events& events, int more_orders, const remote_view& remote = {}) {
  // The store, with order_summary kept inline; the other read models catch up on their own threads.
  read_side models;
  chronicle::projecting_store store{events, models.summaries};
  chronicle::subscription<Events, chronicle::read_model<user_orders>> lists{events, models.lists};
  chronicle::subscription<Events, chronicle::read_model<user_order_count>> counts{events, models.counts};
  lists.start();
  counts.start();
  // On a file, the read models start from what earlier runs recorded.
  std::cout << "order_summary holds " << models.summaries.read([](const order_summary& s) { return s.rows.size(); })
            << " order(s) from earlier runs\n\n";

  chronicle::repository<order_aggregate, decltype(store)> orders{store};
  const auto commands = chronicle::command_bus(
      chronicle::route<PlaceOrder>(orders, chronicle::new_stream),
      chronicle::route<ConfirmOrder>(orders, chronicle::existing(&ConfirmOrder::order_id)),
      chronicle::route<ShipOrder>(orders, chronicle::existing(&ShipOrder::order_id)),
      chronicle::route<CancelOrder>(orders, chronicle::existing(&CancelOrder::order_id)));
  const auto queries = make_query_bus(models);

  chronicle::id_generator make_id;  // time-ordered UUIDs, as the store makes event ids
  const auto user_id = make_id();

  std::cout << "commands\n";
  const auto placed = commands.send(PlaceOrder{user_id, "widget-42", 2, money{1999}});
  report("place", placed);
  if (!placed) return EXIT_FAILURE;
  const std::string order_id = placed->stream_id;
  report("confirm", commands.send(ConfirmOrder{order_id}));
  // Retry a conflict up to 3 times, and tag the recorded events with a correlation id.
  const chronicle::command_options traced{.max_retries = 3, .correlation_id = make_id(), .causation_id = {}};
  report("ship", orders.execute(order_id, ShipOrder{order_id, "TRACK-ABC"}, traced));
  report("cancel", commands.send(CancelOrder{order_id, "changed my mind"}));  // too late: rejected
  report("confirm a missing order", commands.send(ConfirmOrder{"no-such-order"}));

  std::cout << "\naudit trail of order " << order_id << '\n';
  for (const auto& e : orders.history(order_id))
    std::cout << "  v" << e.version << "  #" << e.position << "  " << e.type() << "  id " << boost::uuids::to_string(e.id)
              << '\n';
  std::cout << "current state\n";
  print_state(orders.load(order_id).value());
  std::cout << "state at version 1\n";
  print_state(orders.load_at_version(order_id, 1).value());

  std::cout << "\nqueries\n";
  // Inline: up to date as soon as the command returned.
  const auto summary = queries.ask(GetOrderSummary{order_id}).value();
  std::cout << "  get_order_summary: " << to_string(summary->status) << ", quantity " << summary->quantity
            << ", total " << money_text(summary->total) << '\n';
  // Catch-up: wait until the models have applied the last command's events, then read.
  const auto last = events.head_position();
  if (!models.lists.wait_for(last, std::chrono::seconds(5)) || !models.counts.wait_for(last, std::chrono::seconds(5)))
    return EXIT_FAILURE;
  std::cout << "  list_user_orders(shipped): " << queries.ask(ListUserOrders{user_id, order_status::shipped}).value().size()
            << " order(s); pending: " << queries.ask(ListUserOrders{user_id, order_status::pending}).value().size()
            << "; placed in all: " << queries.ask(CountUserOrders{user_id}).value() << '\n';
  if (remote && !remote(last, user_id)) return EXIT_FAILURE;

  std::cout << "\nrebuild of the user order lists\n";
  lists.stop();
  for (int i = 0; i < more_orders; ++i) {
    const auto o = commands.send(PlaceOrder{user_id, "bulk", 1, money{100}});
    if (!o || !commands.send(ConfirmOrder{o->stream_id}) || !commands.send(ShipOrder{o->stream_id, "T"}))
      return EXIT_FAILURE;
  }
  const auto start = std::chrono::steady_clock::now();
  const auto replayed = models.lists.rebuild(events, progress_bar);
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
  std::cout << "\n  replayed " << replayed << " events in " << took.count() << " s; "
            << queries.ask(ListUserOrders{user_id, order_status::shipped}).value().size() << " shipped orders listed\n";
  return EXIT_SUCCESS;
}

#ifdef CHRONICLE_HAS_POSTGRES
constexpr std::string_view example_schema = "orders_example";

// The second process: feeds the user_orders table from the store until SIGTERM.
int project(const std::string& url) {
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);  // before any thread starts: they inherit the mask
  const chronicle::postgres_options options{.schema = std::string(example_schema)};
  chronicle::postgres_store<order_event> events(url, options);
  chronicle::postgres_read_model<user_order_rows> table(url, {}, options);
  chronicle::subscription<decltype(events), decltype(table)> feed(events, table);
  feed.start();
  int signal = 0;
  sigwait(&stop, &signal);
  feed.stop();
  return table.failure() ? EXIT_FAILURE : EXIT_SUCCESS;
}

int run_on_postgres(const std::string& url) {
  const pid_t projector = ::fork();  // before this process starts any thread
  if (projector == 0) std::_Exit(project(url));
  const chronicle::postgres_options options{.schema = std::string(example_schema)};
  int status = EXIT_FAILURE;
  try {
    chronicle::postgres_store<order_event> events(url, options);
    chronicle::postgres_read_model<user_order_rows> table(url, {}, options);  // to read the projector's rows
    std::cout << "store: PostgreSQL, schema " << example_schema << "; user_orders kept by process " << projector << '\n';
    status = run(events, 0, [&](std::uint64_t last, const boost::uuids::uuid& user) {
      // Read-your-writes across processes: the projector's committed checkpoint passes our command.
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
      while (table.checkpoint() < last) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
      }
      const auto shipped = table.read([&](chronicle::postgres_writer& w) {
        return w.query_integer("SELECT count(*) FROM user_orders WHERE user_id = $1 AND status = 'shipped'", user);
      });
      const auto all = table.read([](chronicle::postgres_writer& w) { return w.query_integer("SELECT count(*) FROM user_orders"); });
      std::cout << "  user_orders table (the projector process): this user's shipped orders " << shipped.value_or(0)
                << "; orders of all runs " << all.value_or(0) << '\n';
      return true;
    });
  } catch (const std::exception& e) {
    std::cerr << "orders: " << e.what() << '\n';
  }
  ::kill(projector, SIGTERM);
  int projector_status = 0;
  ::waitpid(projector, &projector_status, 0);
  return status;
}
#endif

int main(int argc, char** argv) {
  std::optional<int> more_orders;
  std::string file, url;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string_view option = argv[i];
    if (option == "--orders")
      more_orders = std::atoi(argv[i + 1]);
    else if (option == "--sqlite")
      file = argv[i + 1];
    else if (option == "--postgres")
      url = argv[i + 1];
  }
  if (!url.empty()) {
#ifdef CHRONICLE_HAS_POSTGRES
    return run_on_postgres(url);
#else
    std::cerr << "this build has no chronicle::postgres (install libpq-dev and libboost-json1.81-dev)\n";
    return EXIT_FAILURE;
#endif
  }
  if (!file.empty()) {
#ifdef CHRONICLE_HAS_SQLITE
    chronicle::sqlite_store<order_event> events(file, {.sync = chronicle::sqlite_options::synchronous::normal,
                                                      .busy_timeout = std::chrono::seconds(5)});
    std::cout << "store: " << file << '\n';
    return run(events, more_orders.value_or(0));
#else
    std::cerr << "this build has no chronicle::sqlite (install libsqlite3-dev and libboost-json1.81-dev)\n";
    return EXIT_FAILURE;
#endif
  }
  chronicle::memory_store<order_event> events;
  return run(events, more_orders.value_or(333'334));
}
