#pragma once
/// @file
/// @brief A store that updates read models inline: a command returns only after they have applied its events.
#include <chronicle/event_store.hpp>
#include <chronicle/read_model.hpp>

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <type_traits>
#include <mutex>
#include <optional>
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
/// stands (the events are recorded), and that model stops with a `failure()`. When the inner store
/// reports what it wrote (`append(stream, expected, batch, recorded)`, as `sqlite_store` does), models
/// take the batch from that report instead of reading it back.
namespace detail {
template <class T>
struct is_read_model : std::false_type {};
template <class P>
struct is_read_model<read_model<P>> : std::true_type {};
}  // namespace detail

template <event_store Store, class... Models>
class projecting_store {
  // A reactor here would append from inside an append: run reactions as catch-up subscribers instead.
  static_assert((detail::is_read_model<Models>::value && ...),
                "chronicle: a projecting_store updates read_model<P>s only; run reactors with a subscription");

 public:
  using event_type = typename Store::event_type;

  explicit projecting_store(Store& store, Models&... models) : store_(&store), models_(&models...) {
    (models.catch_up(store), ...);
  }

  result<append_result, store_error> append(std::string_view stream, expected_version expected,
                                            std::span<const pending_event<event_type>> batch) {
    std::lock_guard lock(mutex_);
    if constexpr (reports_records) {
      // The models take the batch from the store as written, unless they are behind it (events
      // appended to the inner store directly): then they read the store, as below.
      bool fed = false;
      auto appended = store_->append(stream, expected, batch, [&](std::span<const record> written) {
        if (written.empty()) return;
        const detail::recorded_batch<event_type> source(written);
        std::apply([&](auto*... models) { (feed(*models, source), ...); }, models_);
        fed = true;
      });
      if (appended && !fed) catch_up_all();
      return appended;
    } else {
      auto appended = store_->append(stream, expected, batch);
      if (appended) catch_up_all();
      return appended;
    }
  }

  result<append_result, store_error> append(std::string_view stream, expected_version expected,
                                            std::initializer_list<pending_event<event_type>> batch) {
    return append(stream, expected, std::span<const pending_event<event_type>>(batch.begin(), batch.size()));
  }

  template <class F>
  std::size_t read_stream(std::string_view stream, std::uint64_t from, F&& f) const {
    return store_->read_stream(stream, from, std::forward<F>(f));
  }
  template <class F>
  std::size_t read_events(std::string_view stream, std::uint64_t from, F&& f) const {
    return detail::read_events(*store_, stream, from, std::forward<F>(f));
  }
  template <class F>
  std::size_t read_all(std::uint64_t from, F&& f) const {
    return store_->read_all(from, std::forward<F>(f));
  }
  [[nodiscard]] std::uint64_t stream_version(std::string_view stream) const { return store_->stream_version(stream); }
  [[nodiscard]] std::uint64_t head_position() const { return store_->head_position(); }

  /// @brief Forwarded when the inner store has it, so an export through this store writes events as
  /// recorded.
  template <class F>
  std::size_t read_all_encoded(std::uint64_t from, F&& f) const
    requires requires(const Store& s) { s.read_all_encoded(from, f); }
  {
    return store_->read_all_encoded(from, std::forward<F>(f));
  }

  /// @brief Forwarded when the inner store has it, so repeated commands are answered by their first result.
  [[nodiscard]] std::optional<event_location> find_event(const event_id& id) const
    requires requires(const Store& s, const event_id& e) { s.find_event(e); }
  {
    return store_->find_event(id);
  }

  /// @brief Forwarded when the inner store has it, so subscriptions over this store sleep, not poll.
  [[nodiscard]] bool wait_for_position(std::uint64_t position, std::chrono::nanoseconds timeout) const
    requires requires(const Store& s, std::uint64_t p, std::chrono::nanoseconds t) { s.wait_for_position(p, t); }
  {
    return store_->wait_for_position(position, timeout);
  }

  [[nodiscard]] Store& inner() const noexcept { return *store_; }

 private:
  using record = recorded_event<event_type>;
  static constexpr bool reports_records =
      requires(Store& s, std::string_view stream, expected_version expected,
               std::span<const pending_event<event_type>> batch) {
        s.append(stream, expected, batch, [](std::span<const record>) {});
      };

  void catch_up_all() {
    std::apply([this](auto*... models) { (models->catch_up(*store_), ...); }, models_);
  }
  // The batch serves a model that is right before it (the batch refuses others); a model that is
  // behind, or was reset meanwhile, reads the store.
  template <class Model>
  void feed(Model& model, const detail::recorded_batch<event_type>& written) {
    model.catch_up(written);
    if (model.checkpoint() < written.head_position() && !model.failure()) model.catch_up(*store_);
  }

  Store* store_;
  std::tuple<Models*...> models_;
  std::mutex mutex_;
};

}  // namespace v0
}  // namespace chronicle
