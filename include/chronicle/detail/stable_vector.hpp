#pragma once
// A stream's records in the in-memory store: a sequence whose elements never move, so the global log
// can point at them in place, read contiguously. Segment k holds first << k elements, allocated whole
// when the one before fills: a load walks a few long arrays where a std::deque of 176-byte records
// would change node every two records, and index i is found with one bit_width.
#include <bit>
#include <cstddef>
#include <utility>
#include <vector>

namespace chronicle {
inline namespace v0 {
namespace detail {

template <class T>
class stable_vector {
 public:
  stable_vector() = default;
  stable_vector(const stable_vector&) = delete;  // a copy's segments would not have the sizes indexing assumes
  stable_vector& operator=(const stable_vector&) = delete;

  [[nodiscard]] std::size_t size() const noexcept { return size_; }

  // Strong guarantee: if allocation or T's construction throws, nothing changed.
  template <class... Args>
  T& emplace_back(Args&&... args) {
    if (segments_.empty() || segments_.back().size() == first << (segments_.size() - 1)) {
      std::vector<T> next;
      next.reserve(first << segments_.size());
      segments_.reserve(segments_.size() + 1);  // so that the push below cannot throw
      next.emplace_back(std::forward<Args>(args)...);
      segments_.push_back(std::move(next));
    } else {
      segments_.back().emplace_back(std::forward<Args>(args)...);  // within the reserved size: no reallocation
    }
    ++size_;
    return segments_.back().back();
  }
  T& push_back(T&& value) { return emplace_back(std::move(value)); }

  void pop_back() noexcept {
    segments_.back().pop_back();
    if (segments_.back().empty()) segments_.pop_back();
    --size_;
  }

  T& back() noexcept { return segments_.back().back(); }
  T& operator[](std::size_t i) noexcept {
    const std::size_t k = segment_of(i);
    return segments_[k][i - start_of(k)];
  }
  const T& operator[](std::size_t i) const noexcept {
    const std::size_t k = segment_of(i);
    return segments_[k][i - start_of(k)];
  }

  // Calls f(element) from index `from` on, in order, until f returns false; returns how many it called f for.
  template <class F>
  std::size_t for_each_from(std::size_t from, F&& f) const {
    if (from >= size_) return 0;
    std::size_t seen = 0;
    std::size_t k = segment_of(from);
    for (std::size_t i = from - start_of(k); k < segments_.size(); ++k, i = 0)
      for (const T* e = segments_[k].data() + i, *end = segments_[k].data() + segments_[k].size(); e != end; ++e) {
        ++seen;
        if (!f(*e)) return seen;
      }
    return seen;
  }

 private:
  // A stream holds one segment until its fifth event: most streams are short.
  static constexpr std::size_t first = 4;
  static std::size_t segment_of(std::size_t i) noexcept {
    return static_cast<std::size_t>(std::bit_width(i / first + 1)) - 1;
  }
  static std::size_t start_of(std::size_t k) noexcept { return first * ((std::size_t{1} << k) - 1); }

  std::vector<std::vector<T>> segments_;
  std::size_t size_ = 0;
};

}  // namespace detail
}  // namespace v0
}  // namespace chronicle
