#pragma once
/// @file
/// @brief Projections and the read models they build: applied exactly once, checkpointed, rebuildable.
#include <chronicle/detail/subscriber.hpp>
#include <chronicle/event_store.hpp>

#include <algorithm>
#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <type_traits>
#include <utility>

namespace chronicle {
inline namespace v0 {

/// @brief A projection: a default-constructible type that lists the events it handles and has a
/// `when(const E&)` or `when(const E&, const chronicle::envelope&)` for each.
///
/// ```cpp
/// struct order_count {
///   using handles = chronicle::events<OrderPlaced>;
///   int placed = 0;
///   void when(const OrderPlaced&) { ++placed; }
/// };
/// ```
template <class P>
concept projection = std::default_initializable<P> && requires { typename P::handles; };

/// @brief A projection's state plus its checkpoint (the global position it has applied up to).
///
/// Thread safety: any member may be called from any thread. Events are applied under an exclusive
/// lock that also moves the checkpoint, so in memory each event is applied exactly once, whoever calls
/// `catch_up`. `read` takes a shared lock and hands out only `const P&`. A handler that throws stops
/// the model: `failure()` says at which event, and nothing after it is applied until `reset()` or
/// `rebuild()`.
template <projection P>
class read_model {
  static_assert(detail::check_when_handlers<P>::value);

 public:
  using projection_type = P;

  read_model() = default;
  read_model(const read_model&) = delete;
  read_model& operator=(const read_model&) = delete;

  /// @brief Calls `f(const P&)` under a shared lock and returns (a copy of) what it returns: nothing
  /// that refers into the projection may outlive the lock.
  template <class F>
    requires std::invocable<F, const P&>
  std::remove_cvref_t<std::invoke_result_t<F, const P&>> read(F&& f) const {
    return core_.read([&]() -> std::remove_cvref_t<std::invoke_result_t<F, const P&>> {
      return std::forward<F>(f)(std::as_const(projection_));
    });
  }

  /// @brief `f(const P&)` under the shared lock, unless the model has failed: then its failure.
  template <class F>
    requires std::invocable<F, const P&>
  std::optional<projection_failure> read_unless_failed(F&& f) const {
    return core_.read_unless_failed([&] { std::forward<F>(f)(std::as_const(projection_)); });
  }

  /// @brief The global position of the last event applied (0: none).
  [[nodiscard]] std::uint64_t checkpoint() const noexcept { return core_.checkpoint(); }

  /// @brief Why the model stopped, if a handler threw.
  [[nodiscard]] std::optional<projection_failure> failure() const { return core_.failure(); }

  /// @brief Waits until the model has applied `position` (read-your-writes). False on timeout or failure.
  [[nodiscard]] bool wait_for(std::uint64_t position, std::chrono::nanoseconds timeout) const {
    return core_.wait_for(position, timeout);
  }

  /// @brief Applies up to `max_events` of the store's events after the checkpoint; returns how many.
  template <event_source Store>
  std::size_t catch_up(const Store& store, std::size_t max_events = std::numeric_limits<std::size_t>::max()) {
    static_assert(detail::check_sources<typename Store::event_type, P>::value);
    return core_.catch_up(store, max_events, [this](const auto& r) { detail::dispatch(projection_, r); });
  }

  /// @brief Forgets everything: the projection is default-constructed again, the checkpoint is 0.
  void reset() {
    core_.reset([this] { projection_ = P{}; });
  }

  /// @brief Resets and replays the whole store, calling `progress(applied_up_to, head)` after each chunk.
  template <event_store Store, class Progress>
    requires std::invocable<Progress&, std::uint64_t, std::uint64_t>
  std::uint64_t rebuild(const Store& store, Progress progress) {
    reset();
    while (catch_up(store, rebuild_chunk) > 0)
      progress(checkpoint(), std::max(checkpoint(), store.head_position()));
    return checkpoint();
  }
  template <event_store Store>
  std::uint64_t rebuild(const Store& store) {
    return rebuild(store, [](std::uint64_t, std::uint64_t) {});
  }

 private:
  static constexpr std::size_t rebuild_chunk = 1 << 16;
  detail::subscriber_core core_;
  P projection_{};
};

}  // namespace v0
}  // namespace chronicle
