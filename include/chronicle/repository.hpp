#pragma once
/// @file
/// @brief The repository: load an aggregate (snapshot + delta), decide a command, append with the
/// expected version, retry on conflict; and the temporal reads (state at a version or an instant, history).
#include <chronicle/aggregate.hpp>
#include <chronicle/detail/diagnostic.hpp>
#include <chronicle/detail/function_ref.hpp>
#include <chronicle/envelope.hpp>
#include <chronicle/error.hpp>
#include <chronicle/event_store.hpp>
#include <chronicle/id_generator.hpp>
#include <chronicle/memory_snapshot_store.hpp>
#include <chronicle/snapshot_store.hpp>

#include <boost/container/small_vector.hpp>
#include <boost/mp11/algorithm.hpp>
#include <boost/mp11/bind.hpp>
#include <boost/uuid/uuid_io.hpp>

#include <concepts>
#include <cstdint>
#include <exception>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace chronicle {
inline namespace v0 {

/// @brief A state as of a stream version (0: the stream has no events yet).
template <class State>
struct loaded {
  State state{};
  std::uint64_t version = 0;
};

/// @brief Per-command settings for `repository::execute`.
struct command_options {
  /// Retries after a concurrency conflict; unset means the aggregate's `retry_on_conflict<N>`.
  std::optional<unsigned> max_retries;
  /// Copied into every event the command records. A nil correlation id starts a new chain: the
  /// command's first event's own id becomes the correlation id of all its events.
  event_id correlation_id{};
  event_id causation_id{};
  /// Refuse with `stream_not_found` when the stream has no events (commands to existing aggregates).
  bool must_exist = false;
  /// Ids for the command's events, in order; the caller keeps them alive for the call. Events past the
  /// span's end get ids derived from `idempotency_key` if set, else from the span's first id, so a
  /// re-send is recognised whole.
  std::span<const event_id> event_ids{};
  /// When not nil, the command's `i`-th event gets the id `derived_event_id(idempotency_key, i)`: sending
  /// the same command with the same key again appends nothing and returns the first send's result
  /// (the store's idempotent re-append), even if the stream has moved on. Reactions set it.
  event_id idempotency_key{};
};

/// @brief Why a command failed: the domain's own error first, then what the store refused, then
/// `stream_not_found` for a command that needs an existing stream, last `foreign_event` for a stream
/// that holds an event the aggregate does not know.
template <class DomainError>
using command_error =
    boost::mp11::mp_push_back<boost::mp11::mp_push_front<store_error, DomainError>, stream_not_found, foreign_event>;

namespace detail {
// Stands in the command loop for a command's domain error (repository::run), and names the error of
// a command that cannot be decided (whose `execute` only reports that).
struct rejection {};

template <class State, class Command>
struct domain_error_of_impl {
  using type = rejection;
};
template <class State, class Command>
  requires decidable<State, Command>
struct domain_error_of_impl<State, Command> {
  using type = typename decltype(call_decide(std::declval<const State&>(), std::declval<const Command&>()))::error_type;
};
template <class State, class Command>
using domain_error_of = typename domain_error_of_impl<State, Command>::type;

// The id `options` gives a command's `index`-th event, or nil when it leaves it to chance.
inline event_id chosen_event_id(const command_options& options, std::size_t index) {
  if (index < options.event_ids.size()) return options.event_ids[index];
  if (!options.idempotency_key.is_nil()) return derived_event_id(options.idempotency_key, index);
  if (!options.event_ids.empty() && !options.event_ids.front().is_nil())
    return derived_event_id(options.event_ids.front(), index);
  return {};
}

// If the command's first event id is recorded (the same command sent before), what that send
// appended: the run of its ids from there; or `duplicate_event` if the id is recorded elsewhere.
// Needs the store's `find_event`; without it, the store's idempotent re-append is the only guard.
template <class Store>
std::optional<result<append_result, store_error>> recorded_command(const Store& store, std::string_view stream,
                                                                   const command_options& options) {
  if constexpr (requires { store.find_event(event_id{}); }) {
    const event_id first = chosen_event_id(options, 0);
    if (first.is_nil()) return std::nullopt;
    auto found = store.find_event(first);
    if (!found) return std::nullopt;
    using outcome = result<append_result, store_error>;
    if (found->stream_id != stream) return outcome(in_place_error, duplicate_event{std::string(stream), first});
    append_result out{found->version, found->position, 1};
    store.read_stream(stream, found->version + 1, [&](const auto& r) {
      const event_id next = chosen_event_id(options, out.count);
      if (next.is_nil() || r.id != next) return false;
      out = {r.version, r.position, out.count + 1};
      return true;
    });
    return outcome(out);
  } else {
    return std::nullopt;
  }
}
}  // namespace detail

/// @brief The snapshot store a repository owns when none is given: none at all if the aggregate never
/// snapshots, otherwise one in memory.
template <class Aggregate>
using default_snapshot_store_t =
    std::conditional_t<Aggregate::snapshot_policy::enabled, memory_snapshot_store<typename Aggregate::state_type>,
                       no_snapshots<typename Aggregate::state_type>>;

namespace detail {
template <class T>
struct is_aggregate : std::false_type {};
template <class State, class Events, class... Policies>
struct is_aggregate<aggregate<State, Events, Policies...>> : std::true_type {};
}  // namespace detail

/// @brief Loads and saves one kind of aggregate through any `event_store` and `snapshot_store`.
///
/// Thread safety: a repository may be shared by threads; it holds no state of its own beyond an id
/// generator, and correctness under concurrency comes from the store's expected-version check.
template <class Aggregate, event_store Store, class Snapshots = default_snapshot_store_t<Aggregate>>
class repository {
  static_assert(detail::is_aggregate<Aggregate>::value,
                "chronicle: a repository's first parameter must be a chronicle::aggregate<State, Events, Policies...>");

 public:
  using aggregate_type = Aggregate;
  using state_type = typename Aggregate::state_type;
  using event_type = typename Aggregate::event_type;
  using store_type = Store;
  using record = recorded_event<typename Store::event_type>;
  using store_event_type = typename Store::event_type;  // the store's event set: the aggregate's or a wider one

  // A store may hold the events of several aggregates (one global order for all of them), so the
  // aggregate's set need only be part of the store's.
  static_assert(detail::holds_for<boost::mp11::mp_all_of_q<events_of<event_type>,
                                                          boost::mp11::mp_bind_front<contains_event, store_event_type>>::value,
                                 event_type, store_event_type>,
                "chronicle: the repository's store records another event set, one without all of the aggregate's "
                "events; use a store whose event set includes them");
  static_assert(snapshot_store<Snapshots, state_type>,
                "chronicle: the repository's snapshot store does not model chronicle::snapshot_store for this state");

  /// @brief Uses `store`, and a snapshot store of its own (in memory) if the aggregate snapshots.
  explicit repository(Store& store)
    requires std::default_initializable<Snapshots>
      : store_(&store), owned_snapshots_(std::in_place), snapshots_(&*owned_snapshots_) {}

  /// @brief Uses `store` and `snapshots`; both must outlive the repository.
  repository(Store& store, Snapshots& snapshots) : store_(&store), snapshots_(&snapshots) {}

  repository(const repository&) = delete;
  repository& operator=(const repository&) = delete;

  /// @brief The current state: the latest usable snapshot, then only the events after it. An unknown
  /// stream loads as the initial state at version 0; a stream holding an event the aggregate does not
  /// know is a `foreign_event`.
  [[nodiscard]] result<loaded<state_type>, foreign_event> load(std::string_view stream) const {
    // Folded in place into one named result, returned as it is: the compiler can elide its move.
    result<loaded<state_type>, foreign_event> out(in_place_value);
    std::optional<foreign_event> foreign;
    (void)load_latest(stream, *out, foreign);
    if (foreign) out = std::move(*foreign);
    return out;
  }

  /// @brief The state as of `version` (0 is the state before the first event).
  [[nodiscard]] result<loaded<state_type>, load_error> load_at_version(std::string_view stream,
                                                                       std::uint64_t version) const {
    const std::uint64_t current = store_->stream_version(stream);
    if (current == 0) return stream_not_found{std::string(stream)};
    if (version > current) return version_out_of_range{std::string(stream), version, current};
    loaded<state_type> out;
    if constexpr (snapshots_enabled) {
      if (auto snap = usable_snapshot(stream, version)) out = {std::move(snap->state), snap->version};
    }
    std::optional<foreign_event> foreign;
    if (out.version < version) {
      detail::read_events(*store_, stream, out.version + 1, [&](std::uint64_t v, const store_event_type& e) {
        if (!evolve(out.state, stream, v, e, foreign)) return false;
        out.version = v;
        return v < version;
      });
    }
    if (foreign) return std::move(*foreign);
    return out;
  }

  /// @brief The state as of instant `t`: every event recorded at or before `t`.
  [[nodiscard]] result<loaded<state_type>, load_error> load_as_of(std::string_view stream,
                                                                  clock::time_point t) const {
    if (store_->stream_version(stream) == 0) return stream_not_found{std::string(stream)};
    loaded<state_type> out;
    std::optional<foreign_event> foreign;
    // Recorded times never decrease along a stream, so the first later event ends the fold.
    store_->read_stream(stream, 1, [&](const record& r) {
      if (r.recorded_at > t || !evolve(out.state, stream, r.version, r.event, foreign)) return false;
      out.version = r.version;
      return true;
    });
    if (foreign) return std::move(*foreign);
    return out;
  }

  /// @brief The audit trail: every event of the stream with its envelope, oldest first.
  [[nodiscard]] std::vector<record> history(std::string_view stream) const {
    std::vector<record> events;
    events.reserve(store_->stream_version(stream));
    store_->read_stream(stream, 1, [&](const record& r) { events.push_back(r); });
    return events;
  }

  /// @brief What `execute(stream, Command{})` returns: the append's result, or why the command failed
  /// (`command_error` of its decision's error type).
  template <class Command>
  using command_result = result<append_result, command_error<detail::domain_error_of<state_type, Command>>>;

  /// @brief Load, decide, append with the loaded version as expected version; on a conflict, retry up
  /// to the configured number of times. A domain rejection is an error value, never an exception.
  /// Defined out of line, so a file can compile a command's path once for the program
  /// (`CHRONICLE_INSTANTIATE_COMMAND`) and others call it through a declaration (`CHRONICLE_EXTERN_COMMAND`).
  template <class Command>
  command_result<Command> execute(std::string_view stream, const Command& command, command_options options = {});

  /// @brief A fresh random stream id (a UUID in text), for commands that create an aggregate.
  [[nodiscard]] std::string new_stream_id() { return boost::uuids::to_string(ids_()); }

  [[nodiscard]] Store& store() const noexcept { return *store_; }
  [[nodiscard]] Snapshots& snapshots() const noexcept { return *snapshots_; }

 private:
  // A command's events on their way to the store.
  using pending_batch = boost::container::small_vector<pending_event<store_event_type>, 2>;
  // What the command loop reports: a rejection (alternative 0) stands for the command's domain error,
  // which only the command's own code knows.
  using loop_result = result<append_result, command_error<detail::rejection>>;

  // Only this is compiled per command: its decision, and its events converted to the store's set.
  // Loading, retrying, appending and snapshotting are `run`'s, compiled once per repository.
  template <class Command>
  command_result<Command> execute_decided(std::string_view stream, const Command& command, const command_options& options) {
    using domain_error = detail::domain_error_of<state_type, Command>;
    static_assert(detail::holds_for<!boost::mp11::mp_contains<command_error<detail::rejection>, domain_error>::value,
                                    domain_error, Command>,
                  "chronicle: a command's domain error type must differ from chronicle's own errors (store "
                  "errors, stream_not_found, foreign_event); wrap it in a type of your domain");
    std::optional<domain_error> rejection;
    auto decide = [&](const state_type& state, pending_batch& batch) {
      auto decided = Aggregate::decide(state, command);
      if (decided.rejected()) {
        rejection.emplace(std::move(decided).error());
        return false;
      }
      for (auto& e : decided.events())
        visit_event(std::move(e), [&](auto&& concrete) { batch.push_back({detail::into_set<store_event_type>(std::move(concrete))}); });
      return true;
    };
    return with_domain_error(run(stream, options, decide), rejection);
  }

  // The command loop: a replayed command's first result; else load, decide (through `decide`, which
  // fills the batch, or returns false for a rejection), append at the loaded version, retry on a
  // conflict, snapshot when due.
  loop_result run(std::string_view stream, const command_options& options,
                  detail::function_ref<bool(const state_type&, pending_batch&)> decide) {
    const unsigned retries = options.max_retries.value_or(Aggregate::concurrency_policy::max_retries);
    for (unsigned attempt = 0;; ++attempt) {
      // A command whose events an earlier send recorded (same ids; or an overlapping send that won the
      // race this attempt lost): its result, not a new decision on the state that send changed.
      if (auto replayed = detail::recorded_command(*store_, stream, options)) {
        if (*replayed) return loop_result(**replayed);
        return store_refused(std::move(*replayed).error());
      }
      loaded<state_type> current;
      std::optional<foreign_event> foreign;
      const std::uint64_t snapshot_version = load_latest(stream, current, foreign);
      if (foreign) return loop_result(in_place_error, std::move(*foreign));
      if (options.must_exist && current.version == 0) return loop_result(in_place_error, stream_not_found{std::string(stream)});
      pending_batch batch;
      if (!decide(current.state, batch)) return loop_result(in_place_error, std::in_place_index<0>, detail::rejection{});
      if (batch.empty()) return loop_result(append_result{current.version, 0, 0});
      for (auto& pending : batch) {
        pending.id = event_id_for(options, static_cast<std::size_t>(&pending - batch.data()));
        pending.correlation_id = options.correlation_id;
        pending.causation_id = options.causation_id;
      }
      if (options.correlation_id.is_nil())
        for (auto& pending : batch) pending.correlation_id = batch.front().id;

      auto appended = store_->append(stream, expected_version::exact(current.version),
                                     std::span<const pending_event<store_event_type>>(batch.data(), batch.size()));
      if (appended) {
        if constexpr (snapshots_enabled) snapshot_if_due(stream, std::move(current.state), batch, snapshot_version, *appended);
        return loop_result(*appended);
      }
      if (std::holds_alternative<concurrency_conflict>(appended.error()) && attempt < retries) continue;
      return store_refused(std::move(appended).error());
    }
  }

  static loop_result store_refused(store_error&& e) {
    return loop_result(in_place_error, std::visit([](auto&& alternative) { return command_error<detail::rejection>(std::move(alternative)); }, std::move(e)));
  }

  // The loop's result with the command's own error in place of the rejection: compiled once per
  // domain error type, not per command.
  template <class DomainError>
  static result<append_result, command_error<DomainError>> with_domain_error(loop_result&& r,
                                                                             std::optional<DomainError>& rejection) {
    using out = result<append_result, command_error<DomainError>>;
    if (r) return out(*r);
    auto& error = r.error();
    return boost::mp11::mp_with_index<std::variant_size_v<command_error<DomainError>>>(error.index(), [&](auto i) {
      if constexpr (i == 0)
        return out(in_place_error, std::in_place_index<0>, std::move(*rejection));
      else
        return out(in_place_error, std::in_place_index<i>, std::move(*std::get_if<i>(&error)));
    });
  }

  static constexpr bool snapshots_enabled = Aggregate::snapshot_policy::enabled;

  event_id event_id_for(const command_options& options, std::size_t index) {
    const event_id chosen = detail::chosen_event_id(options, index);
    return chosen.is_nil() ? ids_() : chosen;
  }

  // The stream's snapshot if this state schema wrote it and it is at most `at_most` (a snapshot ahead
  // of its stream, say from another store, would be a state the events never built); `stale` learns
  // whether one of an older schema was there, to be replaced. A newer schema's is left alone: in a
  // rolling deploy, old and new binaries would otherwise replace each other's at every load.
  std::optional<snapshot<state_type>> usable_snapshot(std::string_view stream, std::uint64_t at_most,
                                                      bool* stale = nullptr) const {
    auto snap = snapshots_->load(stream);  // one object, returned as it is
    if (snap && snap->schema_version != state_schema_version_v<state_type>) {
      if (stale) *stale = snap->schema_version < state_schema_version_v<state_type>;
      snap.reset();
    } else if (snap && snap->version > at_most) {
      snap.reset();
    }
    return snap;
  }

  // Applies the stream's events after `into.version`; returns how many it read. Stops at an event
  // the aggregate does not know, which `foreign` then names. With `from_own_event`, reads from the
  // event at `into.version` itself (a snapshot's) without applying it: that it is there shows the
  // stream reaches the snapshot, which would otherwise take a second lookup of the stream. (On a
  // durable store that event is decoded too, so one that no longer decodes fails the load.)
  std::size_t fold(std::string_view stream, loaded<state_type>& into, std::optional<foreign_event>& foreign,
                   bool from_own_event = false) const {
    const std::uint64_t from = into.version + (from_own_event ? 0 : 1);
    return detail::read_events(*store_, stream, from, [&](std::uint64_t version, const store_event_type& e) {
      if (version <= into.version) return true;  // the snapshot's own event
      if (!evolve(into.state, stream, version, e, foreign)) return false;
      into.version = version;
      return true;
    });
  }

  // Applies a recorded event of the store's set; false (and `foreign` set) for one the aggregate does
  // not know: another aggregate's stream, or other code's event. Skipping it would build a wrong state.
  static bool evolve(state_type& state, std::string_view stream, std::uint64_t version, const store_event_type& event,
                     std::optional<foreign_event>& foreign) {
    return visit_event(event, [&](const auto& e) {
      if constexpr (contains_event_v<event_type, std::decay_t<decltype(e)>>) {
        Aggregate::evolve(state, e);
        return true;
      } else {
        foreign = foreign_event{std::string(stream), version, std::string(event_name(event))};
        return false;
      }
    });
  }

  // The latest state into `current` (a fresh one; `foreign` empty): the usable snapshot, then the
  // events after it; or `foreign` set, where the fold stopped at an event the aggregate does not know.
  // Returns the version of the snapshot it started from (0 for none).
  std::uint64_t load_latest(std::string_view stream, loaded<state_type>& current,
                            std::optional<foreign_event>& foreign) const {
    std::uint64_t snapshot_version = 0;
    bool stale = false;  // a snapshot of an older state schema was there
    if constexpr (snapshots_enabled) {
      if (auto snap = usable_snapshot(stream, std::numeric_limits<std::uint64_t>::max(), &stale)) {
        current.state = std::move(snap->state);
        current.version = snapshot_version = snap->version;
      }
    }
    // A snapshot ahead of its stream (say from another store) would be a state the events never
    // built: the fold starts at the snapshot's own event, and finding none, the load starts over.
    if (fold(stream, current, foreign, snapshot_version > 0) == 0 && snapshot_version > 0) {
      current = loaded<state_type>{};
      snapshot_version = 0;
      fold(stream, current, foreign);
    }
    if (foreign) return snapshot_version;
    // A snapshot of an older state schema was discarded: replace it now rather than replay again next time.
    if (stale && current.version > 0) {
      try {
        snapshots_->save(stream, snapshot<state_type>{current.version, state_schema_version_v<state_type>, current.state});
        snapshot_version = current.version;
      } catch (...) {  // a cache that could not be refreshed; the load itself stands
      }
    }
    return snapshot_version;
  }

  template <class Batch>
  void snapshot_if_due(std::string_view stream, state_type state, const Batch& batch, std::uint64_t snapshot_version,
                       const append_result& appended) noexcept {
    // The command is recorded: a snapshot that cannot be taken now must not turn it into an error (a
    // caller would retry and apply it twice). Snapshots are a cache; the next due one will be taken.
    using policy = typename Aggregate::snapshot_policy;
    const std::uint64_t since = appended.version - snapshot_version;
    // A policy that counts events needs no new state to say no: most commands stop here.
    if constexpr (!policy::reads_state)
      if (!policy::should_snapshot(state, appended.version, since)) return;
    try {
      for (const auto& pending : batch)
        visit_event(pending.event, [&state](const auto& e) {
          if constexpr (contains_event_v<event_type, std::decay_t<decltype(e)>>) Aggregate::evolve(state, e);
        });
      if (!policy::reads_state || policy::should_snapshot(state, appended.version, since))
        snapshots_->save(stream,
                         snapshot<state_type>{appended.version, state_schema_version_v<state_type>, std::move(state)});
    } catch (...) {
    }
  }

  Store* store_;
  std::optional<Snapshots> owned_snapshots_;
  Snapshots* snapshots_;
  id_generator ids_;
};

template <class Aggregate, event_store Store, class Snapshots>
template <class Command>
auto repository<Aggregate, Store, Snapshots>::execute(std::string_view stream, const Command& command,
                                                      command_options options) -> command_result<Command> {
  // Report an undecidable command here, once, rather than through the body below.
  static_assert(detail::decide_diagnostics<state_type, event_type, Command>::value);
  if constexpr (Aggregate::template decides<Command>)
    return execute_decided(stream, command, options);
  else
    std::terminate();  // not reached: the assertion above has failed
}

}  // namespace v0
}  // namespace chronicle

/// @brief Compiles `Repository::execute<Command>` in this file, for the whole program. Put it at global
/// scope in the file that owns the command (`Repository` a type alias of the repository); see
/// `CHRONICLE_EXTERN_COMMAND`.
#define CHRONICLE_INSTANTIATE_COMMAND(Repository, ...)                                                     \
  template Repository::command_result<__VA_ARGS__> Repository::execute<__VA_ARGS__>(std::string_view,            \
                                                                                    const __VA_ARGS__&,           \
                                                                                    ::chronicle::command_options)

/// @brief Declares, at global scope, that another file compiles `Repository::execute<Command>` (with
/// `CHRONICLE_INSTANTIATE_COMMAND`): files that see this declaration before their first use of the
/// command, say in the aggregate's header, call it without compiling the command's path again.
#define CHRONICLE_EXTERN_COMMAND(Repository, ...) extern CHRONICLE_INSTANTIATE_COMMAND(Repository, __VA_ARGS__)

