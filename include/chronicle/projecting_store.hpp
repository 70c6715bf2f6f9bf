#pragma once
/// @file
/// @brief A store that updates read models inline: a command returns only after they have applied its events.
#include <chronicle/event_store.hpp>
#include <chronicle/read_model.hpp>

#include <cstdint>
#include <mutex>
#include <span>
#include <string_view>
#include <tuple>

namespace chronicle {
inline namespace v0 {

/// @brief An `event_store` that forwards to `Store` and brings `Models...` up to date inside each append.
///
/// Appends through it are serialised by one lock that also covers the models' update, so models apply
/// events in global order and a query made after `append` (or `repository::execute`) returns sees them:
/// read-your-writes without waiting. Events appended to the inner store directly are picked up by the
/// next append, since each model catches up from its checkpoint. If a handler throws, the append still
/// stands (the events are recorded), and that model stops with a `failure()`.
template <event_store Store, class... Models>
class projecting_store {
 public:
  using event_type = typename Store::event_type;

  explicit projecting_store(Store& store, Models&... models) : store_(&store), models_(&models...) {
    (models.catch_up(store), ...);
  }

  result<append_result, store_error> append(std::string_view stream, expected_version expected,
                                            std::span<const pending_event<event_type>> batch) {
    std::lock_guard lock(mutex_);
    auto appended = store_->append(stream, expected, batch);
    if (appended) std::apply([this](auto*... models) { (models->catch_up(*store_), ...); }, models_);
    return appended;
  }

  template <class F>
  std::size_t read_stream(std::string_view stream, std::uint64_t from, F&& f) const {
    return store_->read_stream(stream, from, std::forward<F>(f));
  }
  template <class F>
  std::size_t read_all(std::uint64_t from, F&& f) const {
    return store_->read_all(from, std::forward<F>(f));
  }
  std::uint64_t stream_version(std::string_view stream) const { return store_->stream_version(stream); }
  std::uint64_t head_position() const { return store_->head_position(); }

  [[nodiscard]] Store& inner() const noexcept { return *store_; }

 private:
  Store* store_;
  std::tuple<Models*...> models_;
  std::mutex mutex_;
};

}  // namespace v0
}  // namespace chronicle
