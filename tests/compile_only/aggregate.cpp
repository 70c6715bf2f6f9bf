// Type-level facts of chronicle/aggregate.hpp and chronicle/policy.hpp, on the Order example and on
// an aggregate that ignores an event.
#include "orders/order.hpp"

#include <chronicle/aggregate.hpp>
#include <chronicle/policy.hpp>

#include <boost/mp11/list.hpp>

#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

using namespace orders;
using boost::mp11::mp_list;

// ---- Order: the types it is made of, and its policies ----------------------------------------------
static_assert(std::is_same_v<order_aggregate::state_type, order>);
static_assert(std::is_same_v<order_aggregate::event_type, order_event>);
static_assert(std::is_same_v<order_aggregate::snapshot_policy, chronicle::snapshot_every<100>>);
static_assert(std::is_same_v<order_aggregate::concurrency_policy, chronicle::retry_on_conflict<0>>);
static_assert(std::is_same_v<order_aggregate::ignored_events, mp_list<>>);

// ---- Order: what decide returns for each command --------------------------------------------------
template <class Command>
using decided = decltype(order_aggregate::decide(std::declval<const order&>(), std::declval<const Command&>()));

static_assert(std::is_same_v<decided<PlaceOrder>, chronicle::decision<order_error, OrderPlaced>>);
static_assert(std::is_same_v<decided<ConfirmOrder>, chronicle::decision<order_error, OrderConfirmed>>);
static_assert(std::is_same_v<decided<ShipOrder>, chronicle::decision<order_error, OrderShipped>>);
static_assert(std::is_same_v<decided<CancelOrder>, chronicle::decision<order_error, OrderCancelled>>);

// ---- Order: it is evolved by each event of its set, by the set, and by nothing else ---------------
template <class Aggregate, class Event>
concept evolves_by = requires(typename Aggregate::state_type& s, const Event& e) { Aggregate::evolve(s, e); };

static_assert(evolves_by<order_aggregate, OrderPlaced>);
static_assert(evolves_by<order_aggregate, OrderConfirmed>);
static_assert(evolves_by<order_aggregate, OrderShipped>);
static_assert(evolves_by<order_aggregate, OrderCancelled>);
static_assert(evolves_by<order_aggregate, order_event>);
static_assert(evolves_by<order_aggregate, chronicle::decision<order_error, OrderPlaced>>);
static_assert(!evolves_by<order_aggregate, PlaceOrder>);

// ---- An aggregate that ignores an event, with its policies in another order -----------------------
namespace door {
struct Opened {
  static constexpr std::string_view event_name = "Opened";
};
struct Knocked {
  static constexpr std::string_view event_name = "Knocked";
};
struct Painted {  // of another aggregate
  static constexpr std::string_view event_name = "Painted";
};
using event = std::variant<Opened, Knocked>;

struct state {
  bool open = false;
  void apply(const Opened&) { open = true; }  // and no apply for Knocked
};

using aggregate = chronicle::aggregate<state, event, chronicle::retry_on_conflict<3>, chronicle::ignore<Knocked>>;
}  // namespace door

static_assert(std::is_same_v<door::aggregate::ignored_events, mp_list<door::Knocked>>);
static_assert(std::is_same_v<door::aggregate::snapshot_policy, chronicle::snapshot_never>);
static_assert(door::aggregate::concurrency_policy::max_retries == 3);
static_assert(evolves_by<door::aggregate, door::Opened>);
static_assert(evolves_by<door::aggregate, door::Knocked>);  // ignored, yet part of the set
static_assert(!evolves_by<door::aggregate, door::Painted>);

// ---- Policies --------------------------------------------------------------------------------------
static_assert(chronicle::snapshot_every<100>::enabled && !chronicle::snapshot_never::enabled);
static_assert(chronicle::snapshot_every<3>::should_snapshot(door::state{}, 3, 3));
static_assert(!chronicle::snapshot_every<3>::should_snapshot(door::state{}, 5, 2));
static_assert(!chronicle::snapshot_never::should_snapshot(door::state{}, 1000, 1000));
