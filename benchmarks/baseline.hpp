#pragma once
// The hand-written baseline: what an expert writes without chronicle, with the same guarantees as
// chronicle::memory_store (thread-safe, per-stream locks, gap-free global positions, idempotent event
// ids, the same envelope fields) and the same policy as the Order aggregate (snapshot every 100 events).
// Plain structs, a switch over an enum, a vector per stream, boost::unordered_flat_map indexes.
//
// Where it differs from chronicle it differs the way an expert's code would: the stream id is kept once
// per stream rather than in every record; an append takes its batch by move; a stream's records live in
// a few geometrically growing blocks rather than a std::deque (two records per 512-byte node); the
// state is only copied for a snapshot when one is due.
#include "common.hpp"

#include <boost/unordered/unordered_flat_map.hpp>
#include <boost/uuid/random_generator.hpp>
#include <boost/uuid/uuid.hpp>

#include <algorithm>
#include <array>
#include <bit>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace baseline {

using uuid = boost::uuids::uuid;
using clock = std::chrono::system_clock;

enum class event_kind : std::uint8_t { order_placed, order_confirmed, order_shipped, order_cancelled, order_note_added };

/// Every event of an order stream; `kind` says which fields mean something.
struct event {
  event_kind kind{};
  int quantity = 0;
  std::int64_t unit_price_cents = 0;
  uuid user_id{};
  std::string text;  // product id (placed), tracking number (shipped), reason (cancelled), note (note added)
};

struct record {
  std::uint64_t version = 0;
  std::uint64_t position = 0;
  uuid id{};
  clock::time_point recorded_at{};
  uuid correlation_id{};
  uuid causation_id{};
  event payload;
};

struct pending {
  event payload;
  uuid id{};
  uuid correlation_id{};
  uuid causation_id{};
};

enum class status : std::uint8_t { ok, conflict, duplicate, invalid };
struct append_outcome {
  status result = status::ok;
  std::uint64_t version = 0;   // the stream's version after the append (or found, on a conflict)
  std::uint64_t position = 0;  // global position of the batch's last event
};

inline constexpr std::uint64_t any_version = std::numeric_limits<std::uint64_t>::max();

/// A vector per stream whose records never move: segments of 4, 8, 16, ... records, each a vector
/// reserved up front. read_all reads published records without the stream's lock (as memory_store
/// does), so an append must not relocate them.
template <class T>
class stable_vector {
 public:
  [[nodiscard]] std::size_t size() const noexcept { return size_; }

  T& push_back(T&& value) {
    if (segments_.empty() || segments_.back().size() == segments_.back().capacity()) {
      const std::size_t capacity = first_segment << segments_.size();
      segments_.emplace_back().reserve(capacity);
    }
    ++size_;
    return segments_.back().emplace_back(std::move(value));
  }

  void pop_back() {
    segments_.back().pop_back();
    if (segments_.back().empty()) segments_.pop_back();
    --size_;
  }

  T& operator[](std::size_t i) noexcept {
    const std::size_t k = segment_of(i);
    return segments_[k][i - segment_start(k)];
  }

  /// Calls `f(record)` from index `first` on; stops when `f` returns false.
  template <class F>
  void for_each_from(std::size_t first, F&& f) const {
    if (first >= size_) return;
    std::size_t k = segment_of(first);
    std::size_t offset = first - segment_start(k);
    for (; k < segments_.size(); ++k, offset = 0) {
      const auto& segment = segments_[k];
      for (std::size_t i = offset; i < segment.size(); ++i)
        if (!f(segment[i])) return;
    }
  }

 private:
  static constexpr std::size_t first_segment = 4;
  // Segment k holds indices [4 (2^k - 1), 4 (2^(k+1) - 1)).
  static std::size_t segment_of(std::size_t i) noexcept {
    return static_cast<std::size_t>(std::bit_width(i / first_segment + 1) - 1);
  }
  static std::size_t segment_start(std::size_t k) noexcept { return first_segment * ((std::size_t{1} << k) - 1); }
  std::vector<std::vector<T>> segments_;
  std::size_t size_ = 0;
};

/// Event ids are random (version 4) UUIDs: eight of their bytes are already a good hash, where
/// boost::hash<uuid> would mix all sixteen one at a time.
struct uuid_hash {
  std::size_t operator()(const uuid& id) const noexcept {
    std::uint64_t halves[2];
    std::memcpy(halves, id.data, sizeof halves);
    return static_cast<std::size_t>(halves[0] ^ halves[1]);
  }
};

/// Random event ids behind a mutex (one generator per store or handler, as in chronicle).
class id_source {
 public:
  uuid operator()() {
    std::lock_guard lock(mutex_);
    return generate_();
  }

 private:
  std::mutex mutex_;
  boost::uuids::random_generator_mt19937 generate_;
};

/// The event store.
class store {
 public:
  struct stream {
    explicit stream(std::string_view s) : id(s) {}
    const std::string id;
    mutable std::shared_mutex mutex;
    stable_vector<record> events;
  };

  store() = default;
  store(const store&) = delete;
  store& operator=(const store&) = delete;

  append_outcome append(std::string_view stream_id, std::uint64_t expected, std::span<pending> batch) {
    if (stream_id.empty() || stream_id.size() > 1024 || batch.empty()) return {status::invalid, 0, 0};
    stream* s = find(stream_id);
    if (s == nullptr) {
      if (expected != any_version && expected != 0) return already_recorded(nullptr, batch).value_or(append_outcome{status::conflict, 0, 0});
      s = &find_or_create(stream_id);
    }
    std::unique_lock stream_lock(s->mutex);
    const std::uint64_t current = s->events.size();
    // A retried batch finds the version moved on: look its ids up only then, off the hot path.
    if (expected != any_version && expected != current)
      return already_recorded(s, batch).value_or(append_outcome{status::conflict, current, 0});

    for (std::size_t i = 0; i < batch.size(); ++i) {
      pending& p = batch[i];
      s->events.push_back(record{current + i + 1, 0, p.id.is_nil() ? generate_id_() : p.id, {}, p.correlation_id,
                                 p.causation_id, std::move(p.payload)});
    }
    const auto now = clock::now();
    std::unique_lock log_lock(log_mutex_);
    const std::uint64_t first_position = log_.size() + 1;
    for (std::size_t i = 0; i < batch.size(); ++i) {
      const record& r = record_at(*s, current + i);
      if (!ids_.try_emplace(r.id, first_position + i).second) {
        for (std::size_t j = 0; j < i; ++j) ids_.erase(record_at(*s, current + j).id);
        log_lock.unlock();
        for (std::size_t j = 0; j < batch.size(); ++j) s->events.pop_back();
        return already_recorded(s, batch).value_or(append_outcome{status::duplicate, current, 0});
      }
    }
    last_recorded_ = std::max(last_recorded_, now);
    for (std::size_t i = 0; i < batch.size(); ++i) {
      record& r = record_at(*s, current + i);
      r.position = first_position + i;
      r.recorded_at = last_recorded_;
      log_.push_back(&r);
      stream_of_.push_back(s);
    }
    return {status::ok, current + batch.size(), first_position + batch.size() - 1};
  }

  /// Calls `f(record)` for the stream's records from `from_version` on; `f` returns false to stop.
  template <class F>
  void read_stream(std::string_view stream_id, std::uint64_t from_version, F&& f) const {
    const stream* s = find(stream_id);
    if (s == nullptr) return;
    std::shared_lock lock(s->mutex);
    s->events.for_each_from(from_version == 0 ? 0 : from_version - 1, f);
  }

  /// Calls `f(stream id, record)` for every record from `from_position` on, in global order.
  template <class F>
  void read_all(std::uint64_t from_position, F&& f) const {
    struct entry {
      const stream* s;
      const record* r;
    };
    std::array<entry, 1024> chunk;  // left uninitialised: filled below before use
    std::uint64_t next = std::max<std::uint64_t>(from_position, 1);
    for (;;) {
      std::size_t n = 0;
      {
        std::lock_guard lock(log_mutex_);
        if (next > log_.size()) return;
        n = std::min<std::size_t>(chunk.size(), log_.size() - (next - 1));
        for (std::size_t i = 0; i < n; ++i) chunk[i] = {stream_of_[next - 1 + i], log_[next - 1 + i]};
      }
      for (std::size_t i = 0; i < n; ++i) f(chunk[i].s->id, *chunk[i].r);
      next += n;
    }
  }

 private:
  static record& record_at(stream& s, std::uint64_t index) { return s.events[index]; }

  stream* find(std::string_view stream_id) const {
    std::shared_lock lock(streams_mutex_);
    auto it = streams_.find(stream_id);
    return it == streams_.end() ? nullptr : it->second.get();
  }

  stream& find_or_create(std::string_view stream_id) {
    std::unique_lock lock(streams_mutex_);
    auto [it, inserted] = streams_.try_emplace(std::string(stream_id));
    if (inserted) it->second = std::make_unique<stream>(stream_id);
    return *it->second;
  }

  // Idempotency: the batch is this very batch at this very place (return the first result) or an error.
  std::optional<append_outcome> already_recorded(const stream* s, std::span<pending> batch) const {
    std::lock_guard lock(log_mutex_);
    auto found = ids_.find(batch.front().id);
    if (found == ids_.end()) return std::nullopt;
    const record& first = *log_[found->second - 1];
    if (s == nullptr || stream_of_[found->second - 1] != s) return append_outcome{status::duplicate, 0, 0};
    for (std::size_t i = 1; i < batch.size(); ++i) {
      auto other = ids_.find(batch[i].id);
      if (other == ids_.end() || other->second != found->second + i || stream_of_[other->second - 1] != s)
        return append_outcome{status::duplicate, 0, 0};
    }
    return append_outcome{status::ok, first.version + batch.size() - 1, found->second + batch.size() - 1};
  }

  mutable std::shared_mutex streams_mutex_;
  boost::unordered_flat_map<std::string, std::unique_ptr<stream>, bench::string_hash, bench::string_equal> streams_;

  mutable std::mutex log_mutex_;
  std::vector<const record*> log_;      // position p is log_[p - 1]
  std::vector<const stream*> stream_of_;  // and belongs to stream_of_[p - 1]
  boost::unordered_flat_map<uuid, std::uint64_t, uuid_hash> ids_;
  clock::time_point last_recorded_{};
  id_source generate_id_;
};

/// The latest snapshot of each stream.
template <class State>
class snapshot_store {
 public:
  struct snapshot {
    std::uint64_t version = 0;
    State state{};
  };
  void save(std::string_view stream_id, std::uint64_t version, const State& state) {
    std::lock_guard lock(mutex_);
    auto [it, inserted] = snapshots_.try_emplace(std::string(stream_id));
    if (inserted || it->second.version <= version) it->second = snapshot{version, state};
  }
  [[nodiscard]] std::optional<snapshot> load(std::string_view stream_id) const {
    std::lock_guard lock(mutex_);
    auto it = snapshots_.find(stream_id);
    if (it == snapshots_.end()) return std::nullopt;
    return it->second;
  }

 private:
  mutable std::mutex mutex_;
  boost::unordered_flat_map<std::string, snapshot, bench::string_hash, bench::string_equal> snapshots_;
};

// ---- the Order aggregate, by hand ---------------------------------------------------------------------

/// Folds one event into the state: a switch over the kind.
inline void evolve(bench::noted_order& s, const event& e) {
  using orders::order_status;
  switch (e.kind) {
    case event_kind::order_placed:
      s.status = order_status::pending;
      s.user_id = e.user_id;
      s.product_id = e.text;
      s.quantity = e.quantity;
      s.total = orders::money{e.unit_price_cents * e.quantity};
      break;
    case event_kind::order_confirmed: s.status = order_status::confirmed; break;
    case event_kind::order_shipped:
      s.status = order_status::shipped;
      s.tracking = e.text;
      break;
    case event_kind::order_cancelled: s.status = order_status::cancelled; break;
    case event_kind::order_note_added: ++s.notes; break;
  }
}

/// Folds one recorded event into the order_summary read model.
inline void project(bench::summary_map& rows, const std::string& stream_id, const record& r) {
  using orders::order_status;
  bench::order_summary& row = bench::row_for(rows, stream_id);
  switch (r.payload.kind) {
    case event_kind::order_placed:
      row.status = order_status::pending;
      row.quantity = r.payload.quantity;
      row.total_cents = r.payload.unit_price_cents * r.payload.quantity;
      break;
    case event_kind::order_confirmed: row.status = order_status::confirmed; break;
    case event_kind::order_shipped:
      row.status = order_status::shipped;
      row.tracking = r.payload.text;
      break;
    case event_kind::order_cancelled: row.status = order_status::cancelled; break;
    case event_kind::order_note_added: break;
  }
  row.version = r.version;
  row.updated_at = r.recorded_at;
}

struct loaded {
  bench::noted_order state;
  std::uint64_t version = 0;
  std::uint64_t snapshot_version = 0;
};

enum class rejection : std::uint8_t { none, invalid_transition, invalid_quantity };
struct command_outcome {
  status result = status::ok;
  rejection rejected = rejection::none;
  orders::order_status from{}, to{};
  std::uint64_t version = 0;
  std::uint64_t position = 0;
  explicit operator bool() const noexcept { return result == status::ok && rejected == rejection::none; }
};

/// Load (snapshot, then the events after it), decide, append with the loaded version as expected
/// version, snapshot every 100 events: the command path of orders::order_aggregate, by hand.
class order_handler {
 public:
  static constexpr std::uint64_t snapshot_every = 100;

  explicit order_handler(store& s) : store_(&s) {}

  [[nodiscard]] loaded load(std::string_view stream_id) const {
    loaded out;
    if (auto snap = snapshots_.load(stream_id)) {
      out.state = std::move(snap->state);
      out.version = out.snapshot_version = snap->version;
    }
    store_->read_stream(stream_id, out.version + 1, [&](const record& r) {
      evolve(out.state, r.payload);
      out.version = r.version;
      return true;
    });
    return out;
  }

  command_outcome execute(std::string_view stream_id, const orders::PlaceOrder& c) {
    loaded current = load(stream_id);
    if (current.state.status != orders::order_status::fresh)
      return reject(rejection::invalid_transition, current.state.status, orders::order_status::pending);
    if (c.quantity <= 0) return reject(rejection::invalid_quantity, {}, {});
    return append(stream_id, current, event{event_kind::order_placed, c.quantity, c.unit_price.cents, c.user_id, c.product_id});
  }
  command_outcome execute(std::string_view stream_id, const orders::ConfirmOrder&) {
    loaded current = load(stream_id);
    if (current.state.status != orders::order_status::pending)
      return reject(rejection::invalid_transition, current.state.status, orders::order_status::confirmed);
    return append(stream_id, current, event{event_kind::order_confirmed, 0, 0, {}, {}});
  }
  command_outcome execute(std::string_view stream_id, const orders::ShipOrder& c) {
    loaded current = load(stream_id);
    if (current.state.status != orders::order_status::confirmed)
      return reject(rejection::invalid_transition, current.state.status, orders::order_status::shipped);
    return append(stream_id, current, event{event_kind::order_shipped, 0, 0, {}, c.tracking});
  }
  command_outcome execute(std::string_view stream_id, const bench::AddNote& c) {
    loaded current = load(stream_id);
    if (current.state.status == orders::order_status::fresh)
      return reject(rejection::invalid_transition, current.state.status, current.state.status);
    return append(stream_id, current, event{event_kind::order_note_added, 0, 0, {}, c.text});
  }

  [[nodiscard]] snapshot_store<bench::noted_order>& snapshots() noexcept { return snapshots_; }

 private:
  static command_outcome reject(rejection why, orders::order_status from, orders::order_status to) {
    return {status::ok, why, from, to, 0, 0};
  }

  command_outcome append(std::string_view stream_id, loaded& current, event e) {
    pending p{std::move(e), ids_(), {}, {}};
    p.correlation_id = p.id;  // a command without a correlation id starts a chain at its first event
    const bool due = current.version + 1 - current.snapshot_version >= snapshot_every;
    if (due) evolve(current.state, p.payload);  // before the payload moves into the store
    const append_outcome appended = store_->append(stream_id, current.version, std::span<pending>(&p, 1));
    if (appended.result != status::ok) return {appended.result, rejection::none, {}, {}, appended.version, 0};
    if (due) snapshots_.save(stream_id, appended.version, current.state);
    return {status::ok, rejection::none, {}, {}, appended.version, appended.position};
  }

  store* store_;
  snapshot_store<bench::noted_order> snapshots_;
  id_source ids_;
};

/// The order_summary read model, kept up to date by folding the store's new records after each command.
struct summaries {
  bench::summary_map rows;
  std::uint64_t checkpoint = 0;
  void catch_up(const store& s) {
    s.read_all(checkpoint + 1, [this](const std::string& stream_id, const record& r) {
      project(rows, stream_id, r);
      checkpoint = r.position;
    });
  }
};

}  // namespace baseline
