// Misuse: a snapshot_when predicate that takes the state and the version, but not the events since
// the last snapshot. Twin: the predicate takes all three.
#include <chronicle/aggregate.hpp>

#include <cstdint>
#include <string_view>
#include <variant>

namespace meter {
struct Ticked {
  static constexpr std::string_view event_name = "Ticked";
};
using event = std::variant<Ticked>;

struct state {
  std::uint64_t ticks = 0;
  void apply(const Ticked&) { ++ticks; }
};

struct every_tenth {
#ifdef CHRONICLE_COMPILE_FAIL
  bool operator()(const state&, std::uint64_t version) const { return version % 10 == 0; }
#else
  bool operator()(const state&, std::uint64_t version, std::uint64_t) const { return version % 10 == 0; }
#endif
};

using aggregate = chronicle::aggregate<state, event, chronicle::snapshot_when<every_tenth>>;
}  // namespace meter

void replay(meter::state& s, const meter::event& e) { meter::aggregate::evolve(s, e); }
bool due(const meter::state& s) { return meter::aggregate::snapshot_policy::should_snapshot(s, 10, 10); }
