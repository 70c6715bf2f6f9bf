// Misuse: an aggregate parameter after the event set is not a policy.
// Twin: the same position holds a policy.
#include <chronicle/aggregate.hpp>
#include <chronicle/policy.hpp>

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

#ifdef CHRONICLE_COMPILE_FAIL
using snapshots = int;  // meant snapshot_every<100>
#else
using snapshots = chronicle::snapshot_every<100>;
#endif

using aggregate = chronicle::aggregate<state, event, snapshots>;
}  // namespace door

void replay(door::state& s, const door::event& e) { door::aggregate::evolve(s, e); }
