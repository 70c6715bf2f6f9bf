// Misuse: a projection that handles an event its store's event set does not contain.
// Twin: the projection handling only events of the set.
#include <chronicle/memory_store.hpp>
#include <chronicle/read_model.hpp>

#include <string_view>
#include <variant>

struct Opened {
  static constexpr std::string_view event_name = "Opened";
};
struct Closed {
  static constexpr std::string_view event_name = "Closed";
};
struct Audited {  // recorded by some other store
  static constexpr std::string_view event_name = "Audited";
};
using account_event = std::variant<Opened, Closed>;

struct open_accounts {
#ifdef CHRONICLE_COMPILE_FAIL
  using handles = chronicle::events<Opened, Closed, Audited>;
  void when(const Audited&) {}
#else
  using handles = chronicle::events<Opened, Closed>;
#endif
  int open = 0;
  void when(const Opened&) { ++open; }
  void when(const Closed&) { --open; }
};

std::size_t feed(const chronicle::memory_store<account_event>& store, chronicle::read_model<open_accounts>& model) {
  return model.catch_up(store);
}
