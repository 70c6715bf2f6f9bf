#pragma once
/// @file
/// @brief The query bus: routes each query type, at compile time, to a handler that reads a read model.
#include <chronicle/detail/diagnostic.hpp>
#include <chronicle/detail/routes.hpp>
#include <chronicle/read_model.hpp>
#include <chronicle/result.hpp>

#include <boost/hana/at.hpp>
#include <boost/hana/tuple.hpp>
#include <boost/mp11/algorithm.hpp>

#include <concepts>
#include <cstddef>
#include <functional>
#include <optional>
#include <string_view>
#include <type_traits>
#include <utility>

namespace chronicle {
inline namespace v0 {
namespace detail {

template <class Handler, class Projection, class Query, bool Ok>
struct query_handler_must_take_the_read_model_as_const {
  static_assert(holds_for<Ok, Query, Projection, Handler>, "chronicle: a query handler must be callable as handler(const ReadModel&, const Query&); "
                    "queries read read models and cannot change them");
  static constexpr bool value = Ok;
};

template <class Query, bool Ok>
struct no_route_for_query {
  static_assert(holds_for<Ok, Query>, "chronicle: the query bus has no route for this query; add chronicle::answer<Query>(...) to the bus");
  static constexpr bool value = Ok;
};

template <class Query, bool Ok>
struct two_routes_for_query {
  static_assert(holds_for<Ok, Query>, "chronicle: the query bus has two routes for one query; keep one");
  static constexpr bool value = Ok;
};

// The answer of a const-callable handler; a placeholder otherwise (the route's static_assert reports it).
struct no_answer {};
template <class Handler, class Projection, class Query>
struct answer_of {
  using type = no_answer;
};
template <class Handler, class Projection, class Query>
  requires std::invocable<const Handler&, const Projection&, const Query&>
struct answer_of<Handler, Projection, Query> {
  using type = std::remove_cvref_t<std::invoke_result_t<const Handler&, const Projection&, const Query&>>;
};

}  // namespace detail

/// @brief A route answering `Query` from a read model: `handler(const P&, const Query&)`.
template <class Query, class Projection, class Handler>
class query_route {
  static_assert(detail::query_handler_must_take_the_read_model_as_const<
                Handler, Projection, Query, std::invocable<const Handler&, const Projection&, const Query&>>::value);

 public:
  using query_type = Query;
  /// Answers are copied out while the read lock is held, so a handler returns values, not references.
  using answer_type = typename detail::answer_of<Handler, Projection, Query>::type;
  static_assert(!std::is_pointer_v<answer_type> &&
                    !std::is_same_v<answer_type, std::string_view>,
                "chronicle: a query answer must own its data (a pointer or string_view into the read model would "
                "outlive the read lock); return a value");

  query_route(const read_model<Projection>& model, Handler handler) : model_(&model), handler_(std::move(handler)) {}

  /// @brief The answer, or the failure that stopped the read model (a stale answer is never served).
  result<answer_type, projection_failure> operator()(const Query& query) const {
    using result_type = result<answer_type, projection_failure>;
    if constexpr (std::invocable<const Handler&, const Projection&, const Query&>) {
      std::optional<answer_type> answer;
      if (auto failed = model_->read_unless_failed([&](const Projection& p) { answer.emplace(std::invoke(handler_, p, query)); }))
        return result_type(in_place_error, std::move(*failed));
      return result_type(in_place_value, std::move(*answer));
    } else {
      return result_type(in_place_value);
    }
  }

 private:
  const read_model<Projection>* model_;
  Handler handler_;
};

/// @brief Answers `Query` from `model` with `handler(const P&, const Query&)`.
template <class Query, class Projection, class Handler>
auto answer(const read_model<Projection>& model, Handler handler) {
  return query_route<Query, Projection, Handler>(model, std::move(handler));
}

/// @brief Sends each query to its one route: a compile-time table, a direct call, only const access.
///
/// Thread safety: `ask` may be called from any thread; handlers run under their read model's shared lock.
template <class... Routes>
class query_bus {
  using queries = boost::mp11::mp_list<typename Routes::query_type...>;
  static_assert(detail::each_routed_once<detail::two_routes_for_query, queries>::value);

 public:
  explicit query_bus(Routes... routes) : routes_(std::move(routes)...) {}

  /// @brief `result<answer, projection_failure>` for `query`.
  template <class Query>
  auto ask(const Query& query) const {
    constexpr std::size_t index = boost::mp11::mp_find<queries, Query>::value;
    static_assert(detail::no_route_for_query<Query, (index < sizeof...(Routes))>::value);
    if constexpr (index < sizeof...(Routes)) return boost::hana::at_c<index>(routes_)(query);
  }

 private:
  boost::hana::tuple<Routes...> routes_;
};

}  // namespace v0
}  // namespace chronicle
