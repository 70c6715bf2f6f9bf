#pragma once
// The global order of the in-memory store: position p holds a pointer to its record. Appends to
// different streams meet only here, so this is built to share as little as an order can:
//
// - Positions and recorded times are claimed together under a spin lock held for a few
//   instructions (one cache line; both must increase along the log, so one step hands out both).
// - Each writer then publishes its slots without any lock. Slots live in segments that double in
//   size and never move, so readers need no lock either.
// - A batch stores its first slot last; readers stop at the first slot not yet published. So a
//   reader never sees a gap, half a batch, or a later batch before an earlier one.
// - An append returns only once every earlier position is published too (read your writes). A mark
//   on a slot says every slot up to it is published. A batch, once its own slots are stored, makes
//   sure the slot before its first is marked, then marks its last. Whoever finds the slots back to
//   the nearest mark all published may set that mark: so a batch waits only for earlier batches
//   that have not stored their slots yet (between their claim and their stores: setting each
//   record's position and time, then the stores), never for an earlier batch's thread to run again
//   to set its own mark. A thread preempted in that window still holds up every later append, but
//   only until it runs again. (Waiting for those marks in turn made a convoy where threads outnumber
//   cores: one preempted thread held up every later append until each thread in the chain ran
//   again, and 4 threads on 2 cores appended at a third of one thread's rate.)
#include <chronicle/envelope.hpp>

#include <chronicle/detail/spin_lock.hpp>
#include <chronicle/detail/timeout.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

namespace chronicle {
inline namespace v0 {
namespace detail {

template <class Record>
class ordered_log {
 public:
  struct claimed {
    std::uint64_t first;  // the first of the claimed positions
    clock::time_point at;  // their recorded time: no earlier than any claimed before
  };

  ordered_log() = default;
  ordered_log(const ordered_log&) = delete;
  ordered_log& operator=(const ordered_log&) = delete;

  // Claims `n` positions. Throws std::bad_alloc, having claimed nothing, if the log cannot grow.
  // Every claimed position must then be published: the log has no way to leave a gap.
  claimed claim(std::size_t n, clock::time_point now) {
    for (;;) {
      std::uint64_t needed = 0;
      {
        std::lock_guard guard(claim_.lock);
        if (claim_.next + n <= capacity_.load(std::memory_order_acquire)) {
          const std::uint64_t first = claim_.next + 1;
          claim_.next += n;
          claim_.last = std::max(claim_.last, now);
          return {first, claim_.last};
        }
        needed = claim_.next + n;
      }
      grow(needed);
    }
  }

  // Makes claimed positions first .. first + n - 1 visible; record(i) is position first + i's record,
  // with its position and time already set. Returns once every position up to first + n - 1 is
  // published. Wakes `wait_for` callers.
  template <class At>
  void publish(std::uint64_t first, std::size_t n, At record) noexcept {
    for (std::size_t i = 1; i < n; ++i) slot(first + i).store(value_of(record(i)), std::memory_order_relaxed);
    slot(first).store(value_of(record(0)), std::memory_order_release);
    if (first > 1) spin_until([&] { return mark_published(first - 1); });
    slot(first + n - 1).store(value_of(record(n - 1)) | complete, std::memory_order_release);
    // Pairs with wait_for's announcement: either the waiter sees this batch or we see the waiter.
    if (waiters_seen() != 0) {
      { std::lock_guard lock(wait_mutex_); }
      published_.notify_all();
    }
  }

  // Calls f(record) for positions from `p` on, in order, until f returns false or a slot is not yet
  // published; returns how many it called f for. `p - 1` must be known published
  // (`published_through`), so each slot it reaches was published after every one before it.
  template <class F>
  std::size_t read_from(std::uint64_t p, F&& f) const {
    std::size_t seen = 0;
    // Capacity is read again at each segment: a batch may run into a segment grown after we began.
    while (p <= capacity_.load(std::memory_order_acquire)) {
      const std::uint64_t i = p - 1;
      const unsigned k = segment_of(i);
      // Capacity ends on a segment boundary, so a segment it reaches is whole.
      const std::uint64_t start = (block << k) - block, end = start + (block << k);
      const slot_t* segment = segments_[k].get();
      for (std::uint64_t j = i; j < end; ++j, ++p) {
        const std::uintptr_t v = segment[j - start].load(std::memory_order_acquire);
        if (v == 0) return seen;
        ++seen;
        if (!f(*record_of(v))) return seen;
      }
    }
    return seen;
  }

  // How far the published prefix reaches, looking at least as far as `wanted` (it stops early at the
  // first unpublished slot). Readers share what they found, so each slot is scanned about once.
  std::uint64_t published_through(std::uint64_t wanted) const noexcept {
    std::uint64_t known = known_.load(std::memory_order_acquire);
    if (known >= wanted) return known;
    std::uint64_t reached = known;
    while (reached < wanted && published(reached + 1)) ++reached;
    while (known < reached && !known_.compare_exchange_weak(known, reached, std::memory_order_acq_rel)) {
    }
    return reached;
  }

  // The newest position p such that 1 .. p are all published.
  std::uint64_t head() const noexcept {
    return published_through(static_cast<std::uint64_t>(-1));
  }

  // Waits until 1 .. position are published or `timeout` passes.
  bool wait_for(std::uint64_t position, std::chrono::nanoseconds timeout) const {
    if (published_through(position) >= position) return true;
    announce_waiter();
    std::unique_lock lock(wait_mutex_);
    const bool reached =
        published_.wait_for(lock, bounded(timeout), [&] { return published_through(position) >= position; });
    waiters_.fetch_sub(1, std::memory_order_relaxed);
    return reached;
  }

  // Makes room for positions 1 .. n. Throws std::bad_alloc, changing nothing else.
  void reserve(std::uint64_t n) { grow(n); }

  // Fills an empty log with `records` (positions 1, 2, ...) recorded no later than `last`. Not
  // concurrent with anything; throws only if `reserve(records.size())` was not called.
  void restore(const std::vector<const Record*>& records, clock::time_point last) {
    grow(records.size());
    for (std::size_t i = 0; i < records.size(); ++i)
      slot(i + 1).store(value_of(*records[i]) | complete, std::memory_order_relaxed);
    claim_.next = records.size();
    claim_.last = last;
    known_.store(records.size(), std::memory_order_release);
  }

 private:
  // A slot holds its record's address, 0 until published; the low bit marks a slot through which
  // every position is published (records are aligned, so the bit is free).
  using slot_t = std::atomic<std::uintptr_t>;
  static constexpr std::uintptr_t complete = 1;
  static_assert(alignof(Record) >= 2);
  static std::uintptr_t value_of(const Record& r) noexcept { return reinterpret_cast<std::uintptr_t>(&r); }
  static const Record* record_of(std::uintptr_t v) noexcept { return reinterpret_cast<const Record*>(v & ~complete); }
  static constexpr unsigned block_bits = 9;  // 512 slots: one 4 KiB page of pointers
  static constexpr std::uint64_t block = std::uint64_t{1} << block_bits;
  static constexpr std::size_t max_segments = 64 - block_bits;  // segment k holds block << k slots

  static unsigned segment_of(std::uint64_t index) noexcept {
    return static_cast<unsigned>(std::bit_width((index >> block_bits) + 1)) - 1;
  }

  slot_t& slot(std::uint64_t position) const noexcept {
    const std::uint64_t i = position - 1;
    const unsigned k = segment_of(i);
    return segments_[k][i - ((block << k) - block)];
  }

  // Whether every slot up to `position` is published; if so, marks `position` (the last slot of the
  // batch before the caller's, which may not have marked it yet). Looks back from `position` to the
  // nearest mark: the slots of the batches in flight before the caller's, usually none.
  bool mark_published(std::uint64_t position) noexcept {
    for (std::uint64_t p = position; p > 0; --p) {
      const std::uintptr_t v = slot(p).load(std::memory_order_acquire);
      if (v == 0) return false;
      if ((v & complete) != 0) {
        if (p == position) return true;  // marked already: the usual case, and no write
        break;
      }
    }
    slot(position).fetch_or(complete, std::memory_order_acq_rel);
    return true;
  }

  // A publisher and a waiter meet as in Dekker's algorithm: each writes (its slot; the waiter count),
  // then reads what the other wrote. Two seq_cst fences order that. ThreadSanitizer does not model
  // fences (GCC refuses them with -fsanitize=thread), so there a seq_cst read-modify-write of the
  // count orders it instead: it costs a write of a line every append shares, so only there.
#if defined(__SANITIZE_THREAD__)
#define CHRONICLE_DETAIL_FENCELESS 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define CHRONICLE_DETAIL_FENCELESS 1
#endif
#endif
  int waiters_seen() const noexcept {
#ifdef CHRONICLE_DETAIL_FENCELESS
    return waiters_.fetch_add(0, std::memory_order_seq_cst);
#else
    std::atomic_thread_fence(std::memory_order_seq_cst);
    return waiters_.load(std::memory_order_relaxed);
#endif
  }
  void announce_waiter() const noexcept {
#ifdef CHRONICLE_DETAIL_FENCELESS
    waiters_.fetch_add(1, std::memory_order_seq_cst);
#else
    waiters_.fetch_add(1, std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_seq_cst);
#endif
  }
#undef CHRONICLE_DETAIL_FENCELESS

  bool published(std::uint64_t position) const noexcept {
    return position <= capacity_.load(std::memory_order_acquire) &&
           slot(position).load(std::memory_order_acquire) != 0;
  }

  // Allocates segments until `needed` positions fit.
  void grow(std::uint64_t needed) {
    std::lock_guard lock(grow_mutex_);
    std::uint64_t capacity = capacity_.load(std::memory_order_relaxed);
    while (capacity < needed) {
      const auto k = static_cast<std::size_t>(std::countr_zero((capacity + block) >> block_bits));
      segments_[k] = std::make_unique<slot_t[]>(block << k);
      capacity += block << k;
      capacity_.store(capacity, std::memory_order_release);
    }
  }

  struct alignas(64) claim_state {
    spin_lock lock;
    std::uint64_t next = 0;  // positions claimed so far
    clock::time_point last{};
  };
  claim_state claim_;
  // Read by every append, written only when the log grows or a reader starts waiting.
  alignas(64) std::atomic<std::uint64_t> capacity_{0};
  mutable std::atomic<int> waiters_{0};
  std::array<std::unique_ptr<slot_t[]>, max_segments> segments_{};
  alignas(64) mutable std::atomic<std::uint64_t> known_{0};  // a published prefix readers found
  mutable std::mutex wait_mutex_;
  mutable std::condition_variable published_;
  std::mutex grow_mutex_;
};

}  // namespace detail
}  // namespace v0
}  // namespace chronicle
