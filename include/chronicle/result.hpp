#pragma once
/// @file
/// @brief `result<T, E>`: a value or a typed error, for every call that can fail in an expected way.
///
/// Why not Boost.System's `result`: in Boost 1.81 its `error()` returns the error by copy, and its
/// unconstrained `operator<<` breaks test frameworks that print values. Why not a variant inside:
/// every command has its own result type, and a variant's layers of bases and visitors made results
/// a large share of a program's compile time. This one is a union and a flag, with `std::expected`'s
/// vocabulary and assignment rules.
#include <concepts>
#include <exception>
#include <memory>
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

namespace detail {

// A result's union and flag. The destructor is chosen here, by specialisation, so that a result of
// trivially destructible types stays trivially destructible (and usable in constant expressions).
template <class T, class E, bool Trivial = std::is_trivially_destructible_v<T> && std::is_trivially_destructible_v<E>>
struct result_union {
  template <class... A>
  constexpr explicit result_union(in_place_value_t, A&&... a) : value_(std::forward<A>(a)...), has_value_(true) {}
  template <class... A>
  constexpr explicit result_union(in_place_error_t, A&&... a) : error_(std::forward<A>(a)...), has_value_(false) {}
  // Copies or moves `other`'s content. A throw here ends no member: none was started.
  template <class Other>
  constexpr result_union(std::in_place_t, Other&& other) : has_value_(other.has_value_) {
    if (has_value_)
      std::construct_at(std::addressof(value_), std::forward<Other>(other).value_);
    else
      std::construct_at(std::addressof(error_), std::forward<Other>(other).error_);
  }
  result_union(const result_union&) = delete;
  result_union& operator=(const result_union&) = delete;
  constexpr ~result_union() {
    if (has_value_)
      std::destroy_at(std::addressof(value_));
    else
      std::destroy_at(std::addressof(error_));
  }

  union {
    T value_;
    E error_;
  };
  bool has_value_;
};

template <class T, class E>
struct result_union<T, E, true> {
  template <class... A>
  constexpr explicit result_union(in_place_value_t, A&&... a) : value_(std::forward<A>(a)...), has_value_(true) {}
  template <class... A>
  constexpr explicit result_union(in_place_error_t, A&&... a) : error_(std::forward<A>(a)...), has_value_(false) {}
  template <class Other>
  constexpr result_union(std::in_place_t, Other&& other) : has_value_(other.has_value_) {
    if (has_value_)
      std::construct_at(std::addressof(value_), std::forward<Other>(other).value_);
    else
      std::construct_at(std::addressof(error_), std::forward<Other>(other).error_);
  }
  // No copies declared: the union's implicit ones are trivial where T and E are trivial in every
  // operation (result_storage<..., true> uses them) and deleted otherwise.

  union {
    T value_;
    E error_;
  };
  bool has_value_;
};

// Copies, moves and assignments, written out: they switch between the members. Where both types are
// trivial in every one of them the specialisation below keeps the compiler's own, so that such a
// result is trivially copyable too (and passed in registers).
// Trivial means trivial in every operation, as std::optional decides: a type may be trivially
// copyable with a deleted copy constructor, and a result of it must not be copy-assignable.
template <class U>
inline constexpr bool trivial_in_every_operation =
    std::is_trivially_copy_constructible_v<U> && std::is_trivially_move_constructible_v<U> &&
    std::is_trivially_copy_assignable_v<U> && std::is_trivially_move_assignable_v<U> &&
    std::is_trivially_destructible_v<U>;

template <class T, class E, bool Trivial = trivial_in_every_operation<T> && trivial_in_every_operation<E>>
struct result_storage : result_union<T, E> {
  using base = result_union<T, E>;
  using base::base;

  constexpr result_storage(const result_storage& other)
    requires std::copy_constructible<T> && std::copy_constructible<E>
      : base(std::in_place, static_cast<const base&>(other)) {}
  constexpr result_storage(result_storage&& other) noexcept(std::is_nothrow_move_constructible_v<T> &&
                                                            std::is_nothrow_move_constructible_v<E>)
    requires std::move_constructible<T> && std::move_constructible<E>
      : base(std::in_place, static_cast<base&&>(other)) {}

  constexpr result_storage& operator=(const result_storage& other)
    requires std::copy_constructible<T> && std::copy_constructible<E> && std::is_copy_assignable_v<T> &&
             std::is_copy_assignable_v<E> && std::is_move_assignable_v<T> && std::is_move_assignable_v<E> &&
             (std::is_nothrow_move_constructible_v<T> || std::is_nothrow_move_constructible_v<E>)
  {
    if (this != &other) *this = result_storage(other);  // the move assignment below (its constraints are met)
    return *this;
  }
  constexpr result_storage& operator=(result_storage&& other) noexcept(
      std::is_nothrow_move_constructible_v<T> && std::is_nothrow_move_constructible_v<E> &&
      std::is_nothrow_move_assignable_v<T> && std::is_nothrow_move_assignable_v<E>)
    requires std::move_constructible<T> && std::move_constructible<E> && std::is_move_assignable_v<T> &&
             std::is_move_assignable_v<E> &&
             (std::is_nothrow_move_constructible_v<T> || std::is_nothrow_move_constructible_v<E>)
  {
    if (this->has_value_ && other.has_value_)
      this->value_ = std::move(other.value_);
    else if (!this->has_value_ && !other.has_value_)
      this->error_ = std::move(other.error_);
    else if (other.has_value_)
      replace(this->error_, this->value_, std::move(other.value_));
    else
      replace(this->value_, this->error_, std::move(other.error_));
    this->has_value_ = other.has_value_;
    return *this;
  }

 private:
  // Ends `old` and starts `fresh` in its place. If starting `fresh` can throw, `old` is kept aside
  // first and put back, so a failed assignment leaves the result as it was.
  template <class Old, class New>
  static constexpr void replace(Old& old, New& fresh, New&& from) {
    if constexpr (std::is_nothrow_move_constructible_v<New>) {
      std::destroy_at(std::addressof(old));
      std::construct_at(std::addressof(fresh), std::move(from));
    } else {
      Old kept(std::move(old));
      std::destroy_at(std::addressof(old));
      try {
        std::construct_at(std::addressof(fresh), std::move(from));
      } catch (...) {
        std::construct_at(std::addressof(old), std::move(kept));
        throw;
      }
    }
  }
};

// The union's own (implicit, trivial) copies and assignments.
template <class T, class E>
struct result_storage<T, E, true> : result_union<T, E> {
  using result_union<T, E>::result_union;
};

}  // namespace detail

/// @brief A `T`, or an `E` saying why there is none.
///
/// Copyable and movable when `T` and `E` are; assignable when they are and at least one of them
/// moves without throwing (as `std::expected`): a throwing assignment leaves the old content.
template <class T, class E>
class [[nodiscard]] result {
  static_assert(!std::is_same_v<T, E>, "chronicle: result<T, E> needs distinct value and error types");
  static_assert(!std::is_reference_v<T> && !std::is_reference_v<E>, "chronicle: result<T, E> holds values");
  // A member, not a base: a base would make chronicle::detail an associated namespace of every result.
  detail::result_storage<T, E> s_;

 public:
  using value_type = T;
  using error_type = E;

  template <class U = T>
    requires std::constructible_from<T, U> && (!std::constructible_from<E, U>) &&
             (!std::is_same_v<std::remove_cvref_t<U>, result>)
  constexpr result(U&& value) : s_(in_place_value, std::forward<U>(value)) {}  // NOLINT

  template <class U>
    requires std::constructible_from<E, U> && (!std::constructible_from<T, U>) &&
             (!std::is_same_v<std::remove_cvref_t<U>, result>)
  constexpr result(U&& error) : s_(in_place_error, std::forward<U>(error)) {}  // NOLINT

  template <class... A>
  constexpr explicit result(in_place_value_t, A&&... a) : s_(in_place_value, std::forward<A>(a)...) {}
  template <class... A>
  constexpr explicit result(in_place_error_t, A&&... a) : s_(in_place_error, std::forward<A>(a)...) {}

  // Copies, moves and assignments are the storage's: as T's and E's, and trivial where theirs are.

  [[nodiscard]] constexpr bool has_value() const noexcept { return s_.has_value_; }
  [[nodiscard]] constexpr bool has_error() const noexcept { return !s_.has_value_; }
  constexpr explicit operator bool() const noexcept { return s_.has_value_; }

  /// @brief The value; undefined if there is none (check first, or use `value()`).
  [[nodiscard]] constexpr T& operator*() & noexcept { return s_.value_; }
  [[nodiscard]] constexpr const T& operator*() const& noexcept { return s_.value_; }
  [[nodiscard]] constexpr T&& operator*() && noexcept { return std::move(s_.value_); }
  [[nodiscard]] constexpr T* operator->() noexcept { return std::addressof(s_.value_); }
  [[nodiscard]] constexpr const T* operator->() const noexcept { return std::addressof(s_.value_); }

  /// @brief The value, or throws `error_exception<E>`.
  [[nodiscard]] constexpr T& value() & { return check(), s_.value_; }
  [[nodiscard]] constexpr const T& value() const& { return check(), s_.value_; }
  [[nodiscard]] constexpr T&& value() && { return check(), std::move(s_.value_); }

  /// @brief The error; undefined if there is none.
  [[nodiscard]] constexpr E& error() & noexcept { return s_.error_; }
  [[nodiscard]] constexpr const E& error() const& noexcept { return s_.error_; }
  [[nodiscard]] constexpr E&& error() && noexcept { return std::move(s_.error_); }

 private:
  constexpr void check() const {
    if (!s_.has_value_) throw error_exception<E>(s_.error_);
  }
};

}  // namespace v0
}  // namespace chronicle
