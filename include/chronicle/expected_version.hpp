#pragma once
/// @file
/// @brief What a writer expects a stream's version to be: the optimistic-concurrency check.
#include <cstdint>
#include <iosfwd>

namespace chronicle {
inline namespace v0 {

/// @brief The condition an append states about the stream's current version.
///
/// Versions are 1-based; a stream with no events has version 0 and does not exist.
class expected_version {
 public:
  enum class kind : std::uint8_t { any, no_stream, stream_exists, exact };

  /// @brief Append whatever the stream's version (no concurrency check).
  static constexpr expected_version any() noexcept { return {kind::any, 0}; }
  /// @brief The stream must not exist yet (same as `exact(0)`).
  static constexpr expected_version no_stream() noexcept { return {kind::no_stream, 0}; }
  /// @brief The stream must have at least one event.
  static constexpr expected_version stream_exists() noexcept { return {kind::stream_exists, 0}; }
  /// @brief The stream's version must be exactly `version`.
  static constexpr expected_version exact(std::uint64_t version) noexcept {
    return version == 0 ? no_stream() : expected_version{kind::exact, version};
  }

  /// @brief Whether a stream at `current` satisfies this expectation.
  [[nodiscard]] constexpr bool admits(std::uint64_t current) const noexcept {
    switch (kind_) {
      case kind::any: return true;
      case kind::no_stream: return current == 0;
      case kind::stream_exists: return current != 0;
      case kind::exact: return current == version_;
    }
    return false;
  }

  [[nodiscard]] constexpr kind which() const noexcept { return kind_; }
  /// @brief The version named by `exact(n)`; 0 otherwise.
  [[nodiscard]] constexpr std::uint64_t version() const noexcept { return version_; }

  friend constexpr bool operator==(expected_version, expected_version) = default;

  /// @brief Writes `any()`, `no_stream()`, `stream_exists()` or `exact(n)`: how it was made.
  /// (A template, so that this header needs only <iosfwd>; include <ostream> to use it.)
  template <class Char, class Traits>
  friend std::basic_ostream<Char, Traits>& operator<<(std::basic_ostream<Char, Traits>& os, expected_version e) {
    switch (e.kind_) {
      case kind::any: return os << "any()";
      case kind::no_stream: return os << "no_stream()";
      case kind::stream_exists: return os << "stream_exists()";
      case kind::exact: return os << "exact(" << e.version_ << ')';
    }
    return os;
  }

 private:
  constexpr expected_version(kind k, std::uint64_t v) noexcept : kind_(k), version_(v) {}
  kind kind_;
  std::uint64_t version_;
};

}  // namespace v0
}  // namespace chronicle
