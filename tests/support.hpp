#pragma once
// Small domains and store decorators shared by the tests.
#include <chronicle/chronicle.hpp>

#include <boost/describe/class.hpp>
#include <boost/uuid/random_generator.hpp>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <variant>

namespace counter {

struct Added {
  static constexpr std::string_view event_name = "Added";
  int amount = 0;
  friend bool operator==(const Added&, const Added&) = default;
};
struct Doubled {
  static constexpr std::string_view event_name = "Doubled";
  friend bool operator==(const Doubled&, const Doubled&) = default;
};
struct Noted {
  static constexpr std::string_view event_name = "Noted";
  std::string text;
  friend bool operator==(const Noted&, const Noted&) = default;
};
using counter_event = std::variant<Added, Doubled, Noted>;

struct state {
  long value = 0;
  void apply(const Added& e) { value += e.amount; }
  void apply(const Doubled&) { value *= 2; }
};

struct Add {
  int amount = 0;
};
struct AddThenDouble {
  int amount = 0;
};
struct Note {
  std::string text;
};
struct DoNothing {};

struct limit_exceeded {
  long value = 0;
  int amount = 0;
};

inline constexpr long limit = 1'000'000;

inline auto decide(const state& s, const Add& c) -> chronicle::decision<limit_exceeded, Added> {
  if (s.value + c.amount > limit) return limit_exceeded{s.value, c.amount};
  return Added{c.amount};
}
inline auto decide(const state&, const AddThenDouble& c) -> chronicle::decision<limit_exceeded, Added, Doubled> {
  return chronicle::decision<limit_exceeded, Added, Doubled>{}.emit(Added{c.amount}).emit(Doubled{});
}
inline auto decide(const state&, const Note& c) -> chronicle::decision<limit_exceeded, Noted> { return Noted{c.text}; }
inline auto decide(const state&, const DoNothing&) -> chronicle::decision<limit_exceeded, Noted> { return {}; }

using aggregate = chronicle::aggregate<state, counter_event, chronicle::ignore<Noted>>;

// Described for the JSON codec, so durable stores and exports can hold them.
BOOST_DESCRIBE_STRUCT(Added, (), (amount))
BOOST_DESCRIBE_STRUCT(Doubled, (), ())
BOOST_DESCRIBE_STRUCT(Noted, (), (text))
BOOST_DESCRIBE_STRUCT(state, (), (value))

}  // namespace counter

namespace test {

/// Whether `Store` reports what an append wrote (`append(stream, expected, batch, recorded)`).
template <class Store>
inline constexpr bool reports_records =
    requires(Store& s, std::span<const chronicle::pending_event<typename Store::event_type>> batch) {
      s.append("s", chronicle::expected_version::any(), batch,
               [](std::span<const chronicle::recorded_event<typename Store::event_type>>) {});
    };

/// Forwards to a store and counts the events that stream reads deliver, to prove what a load replays,
/// and the calls to `read_all`, to prove what inline projections read back.
template <class Store>
class counting_store {
 public:
  using event_type = typename Store::event_type;
  using batch_type = std::span<const chronicle::pending_event<event_type>>;
  explicit counting_store(Store& inner) : inner_(&inner) {}

  auto append(std::string_view stream, chronicle::expected_version expected, batch_type batch) {
    return inner_->append(stream, expected, batch);
  }
  template <class Recorded>
    requires reports_records<Store>
  auto append(std::string_view stream, chronicle::expected_version expected, batch_type batch, Recorded&& recorded) {
    return inner_->append(stream, expected, batch, std::forward<Recorded>(recorded));
  }
  template <class F>
  std::size_t read_stream(std::string_view stream, std::uint64_t from, F&& f) const {
    ++lookups_;
    const std::size_t n = inner_->read_stream(stream, from, std::forward<F>(f));
    delivered_ += n;
    return n;
  }
  // Forwarded where the store has it, so that repositories over a durable store are counted on the
  // path they take in use.
  template <class F>
    requires requires(const Store& s, std::string_view stream, std::uint64_t from, F& f) { s.read_events(stream, from, f); }
  std::size_t read_events(std::string_view stream, std::uint64_t from, F&& f) const {
    ++lookups_;
    ++event_reads_;
    const std::size_t n = inner_->read_events(stream, from, std::forward<F>(f));
    delivered_ += n;
    return n;
  }
  template <class F>
  std::size_t read_all(std::uint64_t from, F&& f) const {
    ++global_reads_;
    return inner_->read_all(from, std::forward<F>(f));
  }
  std::uint64_t stream_version(std::string_view stream) const {
    ++lookups_;
    return inner_->stream_version(stream);
  }
  std::uint64_t head_position() const { return inner_->head_position(); }

  std::size_t delivered() const { return delivered_; }
  std::size_t global_reads() const { return global_reads_; }
  // How often a stream was looked up (read_stream, read_events and stream_version calls).
  std::size_t lookups() const { return lookups_; }
  // How many of those lookups went through the store's read_events.
  std::size_t event_reads() const { return event_reads_; }
  void reset() {
    delivered_ = 0;
    global_reads_ = 0;
    lookups_ = 0;
    event_reads_ = 0;
  }

 private:
  Store* inner_;
  mutable std::atomic<std::size_t> delivered_{0};
  mutable std::atomic<std::size_t> global_reads_{0};
  mutable std::atomic<std::size_t> lookups_{0};
  mutable std::atomic<std::size_t> event_reads_{0};
};

template <class Set>
chronicle::pending_event<Set> pending(Set e, chronicle::event_id id = {}) {
  return {std::move(e), id, {}, {}};
}

inline chronicle::event_id new_id() {
  static thread_local boost::uuids::random_generator generate;
  return generate();
}

}  // namespace test
