// Misuse: asking a query that no route of the query bus answers.
// Twin: the same bus, asked the query it routes.
#include <chronicle/query_bus.hpp>

#include <string_view>
#include <variant>

struct Opened {
  static constexpr std::string_view event_name = "Opened";
};

struct open_accounts {
  using handles = chronicle::events<Opened>;
  int open = 0;
  void when(const Opened&) { ++open; }
};

struct CountOpen {};
struct ListClosed {};

int ask(const chronicle::read_model<open_accounts>& model) {
  const auto bus = chronicle::query_bus(
      chronicle::answer<CountOpen>(model, [](const open_accounts& m, const CountOpen&) { return m.open; }));
#ifdef CHRONICLE_COMPILE_FAIL
  return bus.ask(ListClosed{}).has_value() ? 1 : 0;
#else
  return bus.ask(CountOpen{}).has_value() ? 1 : 0;
#endif
}
