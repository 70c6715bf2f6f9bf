#pragma once
// What read models and reactors share: a checkpoint that advances with the work under one lock, a
// recorded failure that stops them, and a way to wait until they reach a position.
#include <chronicle/detail/diagnostic.hpp>
#include <chronicle/detail/interruption.hpp>
#include <chronicle/detail/timeout.hpp>
#include <chronicle/projection.hpp>
#include <chronicle/envelope.hpp>
#include <chronicle/event.hpp>

#include <boost/mp11/algorithm.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <shared_mutex>
#include <string>
#include <string_view>

namespace chronicle {
inline namespace v0 {

namespace detail {

template <class H, class E, class... Extra>
concept handles_with_envelope = requires(H& h, const E& e, const envelope& m, Extra&... extra) { h.when(e, m, extra...); };
template <class H, class E, class... Extra>
concept handles_without_envelope = requires(H& h, const E& e, Extra&... extra) { h.when(e, extra...); };

template <class H, class E, bool Ok>
struct handler_has_no_when_for_event {
  static_assert(holds_for<Ok, H, E>,
                "chronicle: a projection or reaction lists an event in `handles` but has no `when(const Event&)` "
                "or `when(const Event&, const chronicle::envelope&)` for it");
  static constexpr bool value = Ok;
};

template <class Set, class H, class E, bool Ok = contains_event_v<Set, E>>
struct handles_an_event_its_store_never_records {
  static_assert(holds_for<Ok, H, E, Set>,
                "chronicle: a projection or reaction handles an event that its store's event set does not contain, "
                "so the handler could never run; remove it from `handles`, or read from a store whose set has it");
  static constexpr bool value = Ok;
};

template <class H, class E, class... Extra>
inline constexpr bool has_when = handles_with_envelope<H, E, Extra...> || handles_without_envelope<H, E, Extra...>;

// Each base fires its own message naming the handler type and the event. Read `value` only directly
// in a static_assert: a class whose static_assert failed is not constant for Clang, and anything
// computed from it would pile up follow-on errors.
template <class H, class Handled, class Extra>
struct when_diagnostics;
template <class H, class... Es, class... Extra>
struct when_diagnostics<H, boost::mp11::mp_list<Es...>, boost::mp11::mp_list<Extra...>>
    : handler_has_no_when_for_event<H, Es, has_when<H, Es, Extra...>>... {
  static constexpr bool value = (has_when<H, Es, Extra...> && ...);
};
template <class H, class... Extra>
using check_when_handlers = when_diagnostics<H, boost::mp11::mp_unique<typename H::handles>, boost::mp11::mp_list<Extra...>>;

template <class Set, class H, class Handled>
struct sources_diagnostics;
template <class Set, class H, class... Es>
struct sources_diagnostics<Set, H, boost::mp11::mp_list<Es...>> : handles_an_event_its_store_never_records<Set, H, Es>... {
  static constexpr bool value = (contains_event_v<Set, Es> && ...);
};
template <class Set, class H>
using check_sources = sources_diagnostics<Set, H, boost::mp11::mp_unique<typename H::handles>>;

// Calls h.when(...) for events H lists in `handles` and returns true; other events only move the
// checkpoint (false).
template <class H, class Set, class... Extra>
bool dispatch(H& h, const recorded_event<Set>& r, Extra&... extra) {
  return visit_event(r.event, [&](const auto& e) {
    using E = std::decay_t<decltype(e)>;
    if constexpr (boost::mp11::mp_contains<typename H::handles, E>::value) {
      if constexpr (handles_with_envelope<H, E, Extra...>)
        h.when(e, static_cast<const envelope&>(r), extra...);
      else if constexpr (handles_without_envelope<H, E, Extra...>)  // else: reported by when_diagnostics
        h.when(e, extra...);
      return true;
    } else {
      return false;
    }
  });
}

// The checkpoint and the work advance under one exclusive lock, so each event is applied exactly once.
class subscriber_core {
 public:
  // A checkpoint saved elsewhere is checked against the store on the first catch-up.
  explicit subscriber_core(std::uint64_t checkpoint = 0) noexcept
      : checkpoint_(checkpoint), unverified_(checkpoint != 0) {}

  [[nodiscard]] std::uint64_t checkpoint() const noexcept { return checkpoint_.load(std::memory_order_acquire); }

  [[nodiscard]] std::optional<projection_failure> failure() const {
    std::shared_lock lock(mutex_);
    return failure_;
  }

  bool wait_for(std::uint64_t position, std::chrono::nanoseconds timeout) const {
    std::unique_lock lock(wait_mutex_);
    advanced_.wait_for(lock, bounded(timeout), [&] { return checkpoint() >= position || failed_.load(); });
    return checkpoint() >= position;
  }

  // Applies up to `max_events` events after the checkpoint through `apply(record)`, then calls
  // `finish(checkpoint)` under the same lock (a throw from either stops the subscriber).
  template <class Store, class Apply, class Finish = void (*)(std::uint64_t)>
  std::size_t catch_up(const Store& store, std::size_t max_events, Apply&& apply,
                       Finish&& finish = [](std::uint64_t) {}) {
    if (max_events == 0) return 0;
    std::size_t applied = 0;
    {
      std::unique_lock lock(mutex_);
      if (failure_) return 0;
      try {
        if (unverified_) {
          const std::uint64_t head = store.head_position();
          if (checkpoint() > head)
            throw std::logic_error("chronicle: the saved checkpoint " + std::to_string(checkpoint()) +
                                   " is past the store's newest event " + std::to_string(head) +
                                   ": it was saved against another history");
          unverified_ = false;
        }
        store.read_all(checkpoint() + 1, [&](const auto& r) {
          try {
            apply(r);
          } catch (const interrupted&) {
            throw;  // the subscription stopped: the event was not applied, and is applied next time
          } catch (...) {
            fail(r.position, r.stream_id, r.version, r.type(), std::current_exception());
            return false;
          }
          checkpoint_.store(r.position, std::memory_order_release);
          return ++applied < max_events;
        });
        if (!failure_) finish(checkpoint());
      } catch (const interrupted&) {
        // Stopped while the store waited (for a server that is away): not a failure. What was
        // applied is kept; `finish` is not called, so a durable checkpoint may lag what was applied.
      } catch (...) {
        // Not a handler: the store's read failed, or `finish` did. Stop here too rather than skip anything.
        fail(checkpoint() + 1, {}, 0, {}, std::current_exception());
      }
    }
    if (applied > 0 || failed_.load()) wake();
    return applied;
  }

  template <class Reset>
  void reset(Reset&& reset_work) {
    {
      std::unique_lock lock(mutex_);
      reset_work();
      checkpoint_.store(0, std::memory_order_release);
      failure_.reset();
      failed_ = false;
    }
    wake();
  }

  template <class F>
  decltype(auto) read(F&& f) const {
    std::shared_lock lock(mutex_);
    return std::forward<F>(f)();
  }

  // f() under the shared lock, or the failure if there is one (checked under the same lock, so a
  // handler cannot fail half-way between the check and the read).
  template <class F>
  auto read_unless_failed(F&& f) const -> std::optional<projection_failure> {
    std::shared_lock lock(mutex_);
    if (failure_) return failure_;
    std::forward<F>(f)();
    return std::nullopt;
  }

 private:
  void fail(std::uint64_t position, std::string_view stream, std::uint64_t version, std::string_view type,
            std::exception_ptr error) noexcept {
    failed_ = true;  // first, so that even a failure to describe the failure stops the subscriber
    try {
      std::string message = "unknown exception";
      try {
        std::rethrow_exception(error);
      } catch (const std::exception& e) {
        message = e.what();
      } catch (...) {
      }
      failure_ = projection_failure{position, std::string(stream), version, type, std::move(message), error};
    } catch (...) {
      failure_.emplace();
      failure_->position = position;
      failure_->exception = error;
    }
  }

  void wake() {
    { std::lock_guard lock(wait_mutex_); }  // orders the state change before a waiter's predicate check
    advanced_.notify_all();
  }

  mutable std::shared_mutex mutex_;
  std::atomic<std::uint64_t> checkpoint_{0};
  bool unverified_ = false;  // under mutex_
  std::optional<projection_failure> failure_;
  std::atomic<bool> failed_{false};
  mutable std::mutex wait_mutex_;
  mutable std::condition_variable advanced_;
};

}  // namespace detail
}  // namespace v0
}  // namespace chronicle
