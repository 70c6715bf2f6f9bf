#pragma once
/// @file
/// @brief The command bus: a table of routes, resolved at compile time, from command types to handlers.
#include <chronicle/detail/diagnostic.hpp>
#include <chronicle/detail/routes.hpp>
#include <chronicle/envelope.hpp>
#include <chronicle/repository.hpp>

#include <boost/hana/at.hpp>
#include <boost/hana/tuple.hpp>
#include <boost/mp11/algorithm.hpp>
#include <boost/uuid/name_generator_sha1.hpp>
#include <boost/uuid/uuid.hpp>
#include <boost/uuid/uuid_io.hpp>

#include <concepts>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace chronicle {
inline namespace v0 {

/// @brief Route a command to a new stream with a fresh random id (for commands that create).
struct new_stream_t {
  explicit new_stream_t() = default;
};
inline constexpr new_stream_t new_stream{};

/// @brief Route a command to the stream `select(command)` names, which must already exist.
template <class Selector>
struct existing_stream {
  Selector select;
};
template <class Selector>
existing_stream<Selector> existing(Selector select) {
  return {std::move(select)};
}

/// @brief What a command routed to an aggregate returns: the stream it went to (the new id, for
/// `new_stream`) and where its events landed.
struct command_receipt {
  std::string stream_id;
  append_result appended;
};

namespace detail {

template <class Command, bool Ok>
struct no_route_for_command {
  static_assert(holds_for<Ok, Command>, "chronicle: the command bus has no route for this command; add chronicle::route<Command>(...) "
                    "to the bus");
  static constexpr bool value = Ok;
};

template <class Command, bool Ok>
struct two_routes_for_command {
  static_assert(holds_for<Ok, Command>, "chronicle: the command bus has two routes for one command; keep one");
  static constexpr bool value = Ok;
};

template <class T>
struct is_existing_stream : std::false_type {};
template <class Selector>
struct is_existing_stream<existing_stream<Selector>> : std::true_type {};

// The stream id a selector picks: a string, string_view or UUID member or callable result.
template <class Selector, class Command>
std::string select_stream(const Selector& select, const Command& command) {
  decltype(auto) id = std::invoke(select, command);
  if constexpr (std::is_same_v<std::remove_cvref_t<decltype(id)>, boost::uuids::uuid>)
    return boost::uuids::to_string(id);
  else
    return std::string(std::string_view(id));
}

// The stream id a `new_stream` command with chosen event ids creates: a UUID derived from its first
// event id, the same whenever it is sent again.
inline std::string stream_for(const event_id& first) {
  return boost::uuids::to_string(boost::uuids::name_generator_sha1(first)("stream", 6));
}

}  // namespace detail

/// @brief A route that executes `Command` on an aggregate through `Repository`.
template <class Command, class Repository, class Selector>
class aggregate_route {
 public:
  using command_type = Command;

  aggregate_route(Repository& repository, Selector select) : repository_(&repository), select_(std::move(select)) {}

  auto operator()(const Command& command, command_options options) const {
    std::string stream;
    if constexpr (std::is_same_v<Selector, new_stream_t>) {
      // A command sent again with the same ids must find the stream the first send created.
      const event_id chosen = detail::chosen_event_id(options, 0);
      stream = chosen.is_nil() ? repository_->new_stream_id() : detail::stream_for(chosen);
    } else if constexpr (detail::is_existing_stream<Selector>::value) {
      stream = detail::select_stream(select_.select, command);
      options.must_exist = true;
    } else {
      stream = detail::select_stream(select_, command);
    }
    auto executed = repository_->execute(stream, command, options);
    using error_type = std::remove_cvref_t<decltype(executed.error())>;
    using result_type = result<command_receipt, error_type>;
    if (!executed) return result_type(in_place_error, std::move(executed).error());
    return result_type(command_receipt{std::move(stream), *executed});
  }

 private:
  Repository* repository_;
  Selector select_;
};

/// @brief A route that hands `Command` to a free handler: `handler(command)` or `handler(command, options)`.
template <class Command, class Handler>
class handler_route {
 public:
  using command_type = Command;

  explicit handler_route(Handler handler) : handler_(std::move(handler)) {}

  decltype(auto) operator()(const Command& command, const command_options& options) const {
    if constexpr (std::invocable<const Handler&, const Command&, const command_options&>)
      return std::invoke(handler_, command, options);
    else
      return std::invoke(handler_, command);
  }

 private:
  Handler handler_;
};

/// @brief Routes `Command` to the aggregate of `repository`, on the stream `selector` picks: a member
/// pointer or callable giving the id, `new_stream`, or `existing(selector)`.
template <class Command, class Aggregate, class Store, class Snapshots, class Selector>
auto route(repository<Aggregate, Store, Snapshots>& repository, Selector selector) {
  return aggregate_route<Command, chronicle::repository<Aggregate, Store, Snapshots>, Selector>(repository,
                                                                                               std::move(selector));
}

/// @brief Routes `Command` to a free handler.
template <class Command, class Handler>
  requires std::invocable<const Handler&, const Command&> ||
           std::invocable<const Handler&, const Command&, const command_options&>
auto route(Handler handler) {
  return handler_route<Command, Handler>(std::move(handler));
}

/// @brief Sends each command to its one route. The table is a Boost.Hana tuple; finding a command's
/// route is type-level work (Mp11) at compile time, and sending is a direct call.
///
/// Sending a command no route handles, or building a bus with two routes for one command, does not
/// compile. Thread safety: the bus adds none of its own; it is as thread-safe as its routes (routes to
/// repositories are).
template <class... Routes>
class command_bus {
  using commands = boost::mp11::mp_list<typename Routes::command_type...>;
  static_assert(detail::each_routed_once<detail::two_routes_for_command, commands>::value);

 public:
  explicit command_bus(Routes... routes) : routes_(std::move(routes)...) {}

  /// @brief Whether `Command` has a route.
  template <class Command>
  static constexpr bool routes_v = boost::mp11::mp_contains<commands, Command>::value;

  /// @brief Sends `command` to its route and returns what the route returns.
  template <class Command>
  decltype(auto) send(const Command& command, const command_options& options = {}) const {
    constexpr std::size_t index = boost::mp11::mp_find<commands, Command>::value;
    static_assert(detail::no_route_for_command<Command, (index < sizeof...(Routes))>::value);
    if constexpr (index < sizeof...(Routes)) return boost::hana::at_c<index>(routes_)(command, options);
  }

 private:
  boost::hana::tuple<Routes...> routes_;
};

}  // namespace v0
}  // namespace chronicle
