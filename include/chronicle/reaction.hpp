#pragma once
/// @file
/// @brief Reactions (process managers): handlers that answer events with commands, carrying the
/// correlation and causation ids along.
#include <chronicle/checkpoint_store.hpp>
#include <chronicle/detail/subscriber.hpp>
#include <chronicle/event_store.hpp>
#include <chronicle/repository.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string_view>
#include <utility>

namespace chronicle {
inline namespace v0 {

/// @brief Sends commands on behalf of the event a reaction handles: each command's events get the
/// event's correlation id (its own id if it had none) and the event's id as causation id.
///
/// For a named reaction, the `n`-th command sent for an event also gets the idempotency key
/// `reaction_key(event id, reaction name, n)`: its events' ids are the same whenever that event is
/// reacted to again, so a re-run after a crash appends nothing twice and `send` returns the first
/// run's result. `send` returns what the bus returns: a receipt or the command's typed error.
template <class Bus>
class sender {
 public:
  sender(const Bus& bus, const envelope& cause, std::string_view reaction = {})
      : bus_(&bus), cause_(&cause), reaction_(reaction) {}

  template <class Command>
  decltype(auto) operator()(const Command& command) const {
    command_options options;
    options.correlation_id = cause_->correlation_id.is_nil() ? cause_->id : cause_->correlation_id;
    options.causation_id = cause_->id;
    if (!reaction_.empty()) options.idempotency_key = reaction_key(cause_->id, reaction_, sent_);
    ++sent_;
    return bus_->send(command, options);
  }

  /// @brief The event being reacted to.
  [[nodiscard]] const envelope& cause() const noexcept { return *cause_; }

 private:
  const Bus* bus_;
  const envelope* cause_;
  std::string_view reaction_;
  mutable std::size_t sent_ = 0;  // the place of the next command among this event's
};

/// @brief Drives a reaction: a type that lists `handles` and has, per event,
/// `when(const E&, const envelope&, Send& send)` or `when(const E&, Send& send)`, where `send(command)`
/// goes through `Bus` and returns what the bus returns.
///
/// Like a read model it keeps a checkpoint that advances with the handler under one lock, so in memory
/// each event is reacted to exactly once; run it with `catch_up` or a `subscription`. A handler that
/// throws stops the reactor, reported by `failure()`.
///
/// Given a `checkpoint_slot`, it starts from the saved checkpoint and saves it after each event it
/// reacts to (and at the end of each catch-up), so a restarted process goes on where the last one
/// stopped. A crash between an event's commands and the save re-runs that event's handler on restart:
/// delivery is at least once, but the re-run's commands carry the event ids of the first run, so the
/// store records nothing twice: the reaction's name (the checkpoint slot's name, else a
/// `static constexpr std::string_view name` member of `Reaction`) makes them deterministic (see
/// `sender`). An unnamed reaction in memory sends with random ids: it never re-runs. Effects outside
/// the store (a mail, a payment) need their own idempotency. A saved checkpoint past the store's
/// newest event stops the reactor (`failure()`) before it reads.
template <class Reaction, class Bus>
class reactor {
  static_assert(detail::check_when_handlers<Reaction, sender<Bus>>::value);

 public:
  explicit reactor(const Bus& bus, Reaction reaction = {}) : bus_(&bus), reaction_(std::move(reaction)) {}
  reactor(const Bus& bus, checkpoint_slot saved, Reaction reaction = {})
      : core_(saved.load()), bus_(&bus), reaction_(std::move(reaction)), saved_(std::move(saved)) {
    last_saved_ = core_.checkpoint();
  }
  reactor(const reactor&) = delete;
  reactor& operator=(const reactor&) = delete;

  template <event_source Store>
  std::size_t catch_up(const Store& store, std::size_t max_events = std::numeric_limits<std::size_t>::max()) {
    static_assert(detail::check_sources<typename Store::event_type, Reaction>::value);
    return core_.catch_up(
        store, max_events,
        [this](const auto& r) {
          sender<Bus> send(*bus_, r, name());
          if (detail::dispatch(reaction_, r, send) && saved_) save(r.position);
        },
        [this](std::uint64_t checkpoint) {
          if (saved_ && checkpoint > last_saved_) save(checkpoint);
        });
  }

  [[nodiscard]] std::uint64_t checkpoint() const noexcept { return core_.checkpoint(); }
  [[nodiscard]] std::optional<projection_failure> failure() const { return core_.failure(); }
  [[nodiscard]] bool wait_for(std::uint64_t position, std::chrono::nanoseconds timeout) const {
    return core_.wait_for(position, timeout);
  }

 private:
  std::string_view name() const noexcept {
    if (saved_) return saved_->name();
    if constexpr (requires { std::string_view(Reaction::name); })
      return Reaction::name;
    else
      return {};
  }

  // Runs under the core's lock, as the handlers do.
  void save(std::uint64_t position) {
    saved_->save(position);
    last_saved_ = position;
  }

  detail::subscriber_core core_;
  const Bus* bus_;
  Reaction reaction_;
  std::optional<checkpoint_slot> saved_;
  std::uint64_t last_saved_ = 0;
};

}  // namespace v0
}  // namespace chronicle
