// Type-level facts of chronicle/event_store.hpp, memory_store.hpp, snapshot_store.hpp,
// memory_snapshot_store.hpp and repository.hpp: which types model which concept, and what a
// repository's members return.
#include "orders/order.hpp"

#include <chronicle/error.hpp>
#include <chronicle/event_store.hpp>
#include <chronicle/memory_snapshot_store.hpp>
#include <chronicle/memory_store.hpp>
#include <chronicle/repository.hpp>
#include <chronicle/snapshot_store.hpp>

#include <boost/mp11/algorithm.hpp>
#include <boost/mp11/bind.hpp>
#include <boost/variant2/variant.hpp>

#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

using namespace orders;

namespace {
struct Opened {
  static constexpr std::string_view event_name = "Opened";
};
struct Closed {
  static constexpr std::string_view event_name = "Closed";
};
struct door {
  bool open = false;
  static constexpr int schema_version = 4;
};
}  // namespace

// ---- Event stores: the in-memory store, over either kind of variant --------------------------------
static_assert(chronicle::event_store<chronicle::memory_store<order_event>>);
static_assert(chronicle::event_store<chronicle::memory_store<std::variant<Opened, Closed>>>);
static_assert(chronicle::event_store<chronicle::memory_store<boost::variant2::variant<Opened, Closed>>>);
static_assert(std::is_same_v<chronicle::memory_store<order_event>::event_type, order_event>);
static_assert(!chronicle::event_store<order_event>);
static_assert(!chronicle::event_store<chronicle::memory_snapshot_store<order>>);

// A store is shared by reference, never copied.
static_assert(!std::is_copy_constructible_v<chronicle::memory_store<order_event>>);

// ---- Snapshot stores -------------------------------------------------------------------------------
static_assert(chronicle::snapshot_store<chronicle::memory_snapshot_store<order>, order>);
static_assert(chronicle::snapshot_store<chronicle::no_snapshots<order>, order>);
static_assert(!chronicle::snapshot_store<chronicle::memory_snapshot_store<door>, order>);
static_assert(!chronicle::snapshot_store<chronicle::memory_store<order_event>, order>);

static_assert(chronicle::state_schema_version_v<order> == 1);  // not declared: 1
static_assert(chronicle::state_schema_version_v<door> == 4);

// ---- Repository: its defaults and what its members return ------------------------------------------
using order_repository = chronicle::repository<order_aggregate, chronicle::memory_store<order_event>>;

// Order snapshots every 100 events, so by default it keeps snapshots in memory; an aggregate that
// never snapshots gets a snapshot store that stores nothing.
static_assert(std::is_same_v<chronicle::default_snapshot_store_t<order_aggregate>, chronicle::memory_snapshot_store<order>>);
static_assert(std::is_same_v<chronicle::default_snapshot_store_t<chronicle::aggregate<order, order_event>>,
                             chronicle::no_snapshots<order>>);

static_assert(std::is_same_v<order_repository::state_type, order>);
static_assert(std::is_same_v<order_repository::event_type, order_event>);
static_assert(!std::is_copy_constructible_v<order_repository>);

// A command's error is the domain's own error first, and then everything the store can refuse.
using order_command_error = chronicle::command_error<order_error>;
static_assert(std::is_same_v<std::variant_alternative_t<0, order_command_error>, order_error>);
static_assert(boost::mp11::mp_all_of_q<chronicle::store_error,
                                       boost::mp11::mp_bind_front<boost::mp11::mp_contains, order_command_error>>::value);
// ... then a command to a stream that must exist, and a stream holding another aggregate's event: values too.
static_assert(std::is_same_v<boost::mp11::mp_at_c<order_command_error, boost::mp11::mp_size<order_command_error>::value - 2>,
                             chronicle::stream_not_found>);
static_assert(std::is_same_v<boost::mp11::mp_back<order_command_error>, chronicle::foreign_event>);
static_assert(boost::mp11::mp_contains<chronicle::load_error, chronicle::foreign_event>::value);
static_assert(boost::mp11::mp_contains<chronicle::store_error, chronicle::payload_too_large>::value);

template <class Command>
using executed = decltype(std::declval<order_repository&>().execute(std::string_view{}, std::declval<const Command&>()));

static_assert(std::is_same_v<executed<PlaceOrder>, chronicle::result<chronicle::append_result, order_command_error>>);
static_assert(std::is_same_v<executed<CancelOrder>, chronicle::result<chronicle::append_result, order_command_error>>);

static_assert(std::is_same_v<decltype(std::declval<const order_repository&>().load(std::string_view{})),
                             chronicle::result<chronicle::loaded<order>, chronicle::foreign_event>>);
static_assert(std::is_same_v<decltype(std::declval<const order_repository&>().load_at_version(std::string_view{}, 1)),
                             chronicle::result<chronicle::loaded<order>, chronicle::load_error>>);
static_assert(std::is_same_v<decltype(std::declval<const order_repository&>().history(std::string_view{})),
                             std::vector<chronicle::recorded_event<order_event>>>);

// ---- Repository over a store shared with other aggregates: its set need only include the aggregate's
namespace {
struct swinging_door {
  bool open = false;
  void apply(const Opened&) { open = true; }
  void apply(const Closed&) { open = false; }
};
}  // namespace
using door_aggregate = chronicle::aggregate<swinging_door, std::variant<Opened, Closed>>;
using shared_store = chronicle::memory_store<std::variant<OrderPlaced, Opened, OrderConfirmed, Closed>>;
using door_repository = chronicle::repository<door_aggregate, shared_store>;

static_assert(std::is_same_v<door_repository::event_type, std::variant<Opened, Closed>>);
static_assert(std::is_same_v<door_repository::record, chronicle::recorded_event<shared_store::event_type>>);
static_assert(std::is_same_v<decltype(std::declval<const door_repository&>().history(std::string_view{})),
                             std::vector<door_repository::record>>);
