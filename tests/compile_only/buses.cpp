// Type-level facts about the command and query buses, projections and schema chains.
#include <chronicle/command_bus.hpp>
#include <chronicle/query_bus.hpp>
#include <chronicle/schema.hpp>

#include <string>
#include <string_view>
#include <variant>

namespace facts {

struct Opened {
  static constexpr std::string_view event_name = "Opened";
};
struct Closed_v1 {
  static constexpr std::string_view event_name = "Closed";
};
struct Closed {
  static constexpr std::string_view event_name = "Closed";
  static constexpr int schema_version = 2;
  using previous_version = Closed_v1;
  std::string reason;
};
inline Closed upcast(Closed_v1) { return {"unknown"}; }
using account_event = std::variant<Opened, Closed>;

// Schema chains: oldest first, each link checked.
static_assert(std::is_same_v<chronicle::versions_of<Closed>, boost::mp11::mp_list<Closed_v1, Closed>>);
static_assert(std::is_same_v<chronicle::versions_of<Opened>, boost::mp11::mp_list<Opened>>);
static_assert(chronicle::event_schema_version_v<Closed> == 2);
static_assert(chronicle::check_upcaster_chain<Closed>::value);

struct open_accounts {
  using handles = chronicle::events<Opened, Closed>;
  int open = 0;
  void when(const Opened&) { ++open; }
  void when(const Closed&, const chronicle::envelope&) { --open; }
};
static_assert(chronicle::projection<open_accounts>);
static_assert(!chronicle::projection<int>);

struct Ping {};
struct Pong {};
struct CountOpen {};

inline int count_open(const open_accounts& a, const CountOpen&) { return a.open; }

using command_bus_t = decltype(chronicle::command_bus(chronicle::route<Ping>([](const Ping&) { return 1; }),
                                                      chronicle::route<Pong>([](const Pong&) { return std::string(); })));
// Which commands a bus routes, and what sending each returns.
static_assert(command_bus_t::routes_v<Ping> && command_bus_t::routes_v<Pong>);
static_assert(!command_bus_t::routes_v<CountOpen>);
static_assert(std::is_same_v<decltype(std::declval<const command_bus_t&>().send(Ping{})), int>);
static_assert(std::is_same_v<decltype(std::declval<const command_bus_t&>().send(Pong{})), std::string>);

using query_route_t = chronicle::query_route<CountOpen, open_accounts, decltype(&count_open)>;
// What a query returns: the handler's answer, or the failure of the read model behind it.
static_assert(std::is_same_v<query_route_t::answer_type, int>);
static_assert(std::is_same_v<decltype(std::declval<const chronicle::query_bus<query_route_t>&>().ask(CountOpen{})),
                             chronicle::result<int, chronicle::projection_failure>>);

}  // namespace facts
