// Misuse: a repository over a store whose event set lacks the aggregate's events.
// Twin: the store records the aggregate's event set (or one that includes it).
#include <chronicle/memory_store.hpp>
#include <chronicle/repository.hpp>

#include <string>
#include <string_view>
#include <variant>

namespace door {
struct Opened {
  static constexpr std::string_view event_name = "Opened";
};
using event = std::variant<Opened>;

struct state {
  bool open = false;
  void apply(const Opened&) { open = true; }
};

using aggregate = chronicle::aggregate<state, event>;
}  // namespace door

namespace window {
struct Opened {
  static constexpr std::string_view event_name = "WindowOpened";
};
using event = std::variant<Opened>;
}  // namespace window

#ifdef CHRONICLE_COMPILE_FAIL
using store = chronicle::memory_store<window::event>;
#else
using store = chronicle::memory_store<door::event>;
#endif

bool is_open(const chronicle::repository<door::aggregate, store>& doors, const std::string& id) {
  return doors.load(id)->state.open;
}
