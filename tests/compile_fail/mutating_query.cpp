// Misuse: a query handler that takes the read model by non-const reference, so it could change it.
// Twin: the same handler taking the read model as const.
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

int ask(const chronicle::read_model<open_accounts>& model) {
#ifdef CHRONICLE_COMPILE_FAIL
  auto handler = [](open_accounts& m, const CountOpen&) { return m.open = 0; };
#else
  auto handler = [](const open_accounts& m, const CountOpen&) { return m.open; };
#endif
  const auto bus = chronicle::query_bus(chronicle::answer<CountOpen>(model, handler));
  return bus.ask(CountOpen{}).has_value() ? 1 : 0;
}
