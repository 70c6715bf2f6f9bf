#pragma once
/// @file
/// @brief `result<T, E>`: a value or a typed error, for every call that can fail in an expected way.
///
/// Why not Boost.System's `result`: in Boost 1.81 its `error()` returns the error by copy, and its
/// unconstrained `operator<<` breaks test frameworks that print values. This one is a thin layer over
/// `boost::variant2::variant` with `std::expected`'s vocabulary.
#include <boost/variant2/variant.hpp>

#include <concepts>
#include <exception>
#include <string>
#include <type_traits>
#include <utility>

namespace chronicle {
inline namespace v0 {

/// @brief Tags for constructing a result when a type converts to both T and E.
struct in_place_value_t {
  explicit in_place_value_t() = default;
};
struct in_place_error_t {
  explicit in_place_error_t() = default;
};
inline constexpr in_place_value_t in_place_value{};
inline constexpr in_place_error_t in_place_error{};

/// @brief Thrown by `result::value()` when the result holds an error; carries that error.
template <class E>
class error_exception : public std::exception {
 public:
  explicit error_exception(E error) : error_(std::move(error)) {
    if constexpr (requires { describe(error_); })
      message_ = "chronicle: " + describe(error_);
    else
      message_ = "chronicle: the result holds an error";
  }
  [[nodiscard]] const E& error() const noexcept { return error_; }
  [[nodiscard]] const char* what() const noexcept override { return message_.c_str(); }

 private:
  E error_;
  std::string message_;
};

/// @brief A `T`, or an `E` saying why there is none.
template <class T, class E>
class [[nodiscard]] result {
  static_assert(!std::is_same_v<T, E>, "chronicle: result<T, E> needs distinct value and error types");

 public:
  using value_type = T;
  using error_type = E;

  template <class U = T>
    requires std::constructible_from<T, U> && (!std::constructible_from<E, U>) &&
             (!std::is_same_v<std::remove_cvref_t<U>, result>)
  constexpr result(U&& value) : v_(boost::variant2::in_place_index<0>, std::forward<U>(value)) {}  // NOLINT

  template <class U>
    requires std::constructible_from<E, U> && (!std::constructible_from<T, U>) &&
             (!std::is_same_v<std::remove_cvref_t<U>, result>)
  constexpr result(U&& error) : v_(boost::variant2::in_place_index<1>, std::forward<U>(error)) {}  // NOLINT

  template <class... A>
  constexpr explicit result(in_place_value_t, A&&... a) : v_(boost::variant2::in_place_index<0>, std::forward<A>(a)...) {}
  template <class... A>
  constexpr explicit result(in_place_error_t, A&&... a) : v_(boost::variant2::in_place_index<1>, std::forward<A>(a)...) {}

  [[nodiscard]] constexpr bool has_value() const noexcept { return v_.index() == 0; }
  [[nodiscard]] constexpr bool has_error() const noexcept { return v_.index() == 1; }
  constexpr explicit operator bool() const noexcept { return has_value(); }

  /// @brief The value; undefined if there is none (check first, or use `value()`).
  [[nodiscard]] constexpr T& operator*() & noexcept { return boost::variant2::unsafe_get<0>(v_); }
  [[nodiscard]] constexpr const T& operator*() const& noexcept { return boost::variant2::unsafe_get<0>(v_); }
  [[nodiscard]] constexpr T&& operator*() && noexcept { return std::move(boost::variant2::unsafe_get<0>(v_)); }
  [[nodiscard]] constexpr T* operator->() noexcept { return &**this; }
  [[nodiscard]] constexpr const T* operator->() const noexcept { return &**this; }

  /// @brief The value, or throws `error_exception<E>`.
  [[nodiscard]] constexpr T& value() & { return check(), **this; }
  [[nodiscard]] constexpr const T& value() const& { return check(), **this; }
  [[nodiscard]] constexpr T&& value() && { return check(), std::move(**this); }

  /// @brief The error; undefined if there is none.
  [[nodiscard]] constexpr E& error() & noexcept { return boost::variant2::unsafe_get<1>(v_); }
  [[nodiscard]] constexpr const E& error() const& noexcept { return boost::variant2::unsafe_get<1>(v_); }
  [[nodiscard]] constexpr E&& error() && noexcept { return std::move(boost::variant2::unsafe_get<1>(v_)); }

 private:
  constexpr void check() const {
    if (has_error()) throw error_exception<E>(error());
  }
  boost::variant2::variant<T, E> v_;
};

}  // namespace v0
}  // namespace chronicle
