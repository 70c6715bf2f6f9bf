#pragma once
// Values as text for diagnostics (the testing helpers' failure messages): `print(os, value)`.
//
// In this order: bools, characters, numbers, strings (quoted), chrono durations and time points, enums
// described with Boost.Describe (by enumerator name), variants (the held alternative); then the type's
// own `operator<<`; then other enums (as integers), optionals, structs described with Boost.Describe
// (`Name{field: value, ...}`, bases' members included), ranges (`[a, b]`), maps (`{key: value}`),
// pairs and tuples (`{a, b}`); anything else prints its name. Events are named by their stable name,
// other types by their C++ name. One function, one `if constexpr` ladder: one instantiation per type.
#include <chronicle/event.hpp>

#include <boost/describe/enum_to_string.hpp>
#include <boost/describe/members.hpp>
#include <boost/mp11/algorithm.hpp>
#include <boost/uuid/uuid_io.hpp>  // operator<< for the uuids of ids and events

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <limits>
#include <optional>
#include <ostream>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

namespace chronicle {
inline namespace v0 {
namespace detail {

// The compiler's own spelling of T, cut out of the signature of this function: needs no RTTI.
template <class T>
const char* signature_naming() {
#if defined(_MSC_VER) && !defined(__clang__)
  return __FUNCSIG__;
#else
  return __PRETTY_FUNCTION__;
#endif
}

inline std::string_view name_in_signature(std::string_view signature) {
#if defined(_MSC_VER) && !defined(__clang__)
  // "const char *__cdecl chronicle::v0::detail::signature_naming<struct orders::money>(void)"
  const auto start = signature.find("signature_naming<") + 17;
  std::string_view name = signature.substr(start, signature.rfind(">(void)") - start);
  for (std::string_view tag : {"struct ", "class ", "enum ", "union "})
    if (name.starts_with(tag)) name.remove_prefix(tag.size());
  return name;
#else
  // GCC: "const char* chronicle::v0::detail::signature_naming() [with T = orders::money]"
  // Clang: "const char *chronicle::v0::detail::signature_naming() [T = orders::money]"
  const auto start = signature.find("T = ") + 4;
  return signature.substr(start, signature.rfind(']') - start);
#endif
}

/// The C++ name of T, as the compiler spells it ("orders::money").
template <class T>
std::string_view type_name() {
  return name_in_signature(signature_naming<T>());
}

/// How a diagnostic names T: an event by its stable name, any other type by its C++ name.
template <class T>
std::string_view display_name() {
  if constexpr (event<T>)
    return event_traits<T>::name;
  else
    return type_name<T>();
}

inline void print_quoted(std::ostream& os, std::string_view text, char quote = '"') {
  constexpr char hex[] = "0123456789abcdef";
  os << quote;
  for (const char c : text) {
    switch (c) {
      case '\\': os << "\\\\"; break;
      case '\n': os << "\\n"; break;
      case '\r': os << "\\r"; break;
      case '\t': os << "\\t"; break;
      default:
        if (c == quote)
          os << '\\' << c;
        else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
          os << "\\x" << hex[static_cast<unsigned char>(c) >> 4] << hex[c & 0xf];
        else
          os << c;  // bytes of UTF-8 pass as they are
    }
  }
  os << quote;
}

// A character other than char as its code unit in hex: U+00E9.
inline void print_code_unit(std::ostream& os, std::uint32_t unit) {
  constexpr char hex[] = "0123456789ABCDEF";
  int digits = 4;
  while (digits < 8 && (unit >> (4 * digits)) != 0) ++digits;
  os << "U+";
  while (digits-- > 0) os << hex[(unit >> (4 * digits)) & 0xf];
}

// A unit's symbol, or its ratio to a second in brackets ("[1/30]s").
inline void print_unit(std::ostream& os, std::intmax_t num, std::intmax_t den) {
  if (den == 1) {
    switch (num) {
      case 1: os << "s"; return;
      case 60: os << "min"; return;
      case 3600: os << "h"; return;
      case 86400: os << "d"; return;
    }
  } else if (num == 1) {
    switch (den) {
      case 1000: os << "ms"; return;
      case 1000000: os << "us"; return;
      case 1000000000: os << "ns"; return;
    }
  }
  os << '[' << num;
  if (den != 1) os << '/' << den;
  os << "]s";
}

// Seconds and nanoseconds since 1970 as UTC, ISO 8601: days to a civil date after Howard Hinnant's
// days_from_civil inverse (http://howardhinnant.github.io/date_algorithms.html#civil_from_days).
inline void print_utc(std::ostream& os, std::int64_t seconds, std::int64_t nanoseconds) {
  std::int64_t days = seconds / 86400;
  std::int64_t rest = seconds % 86400;
  if (rest < 0) {
    rest += 86400;
    --days;
  }
  const std::int64_t z = days + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const std::int64_t day = doy - (153 * mp + 2) / 5 + 1;
  const std::int64_t month = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t year = yoe + era * 400 + (month <= 2);
  const auto two = [&](std::int64_t n) { os << static_cast<char>('0' + n / 10) << static_cast<char>('0' + n % 10); };
  os << year << '-';
  two(month);
  os << '-';
  two(day);
  os << 'T';
  two(rest / 3600);
  os << ':';
  two(rest / 60 % 60);
  os << ':';
  two(rest % 60);
  if (nanoseconds != 0) {
    char digits[10] = "000000000";
    for (int i = 8; i >= 0; --i, nanoseconds /= 10) digits[i] = static_cast<char>('0' + nanoseconds % 10);
    int end = 9;
    while (digits[end - 1] == '0') --end;
    os << '.' << std::string_view(digits, static_cast<std::size_t>(end));
  }
  os << 'Z';
}

template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<std::optional<T>> : std::true_type {};

template <class T>
struct is_duration : std::false_type {};
template <class Rep, class Period>
struct is_duration<std::chrono::duration<Rep, Period>> : std::true_type {};

template <class T>
struct is_time_point : std::false_type {};
template <class Clock, class Duration>
struct is_time_point<std::chrono::time_point<Clock, Duration>> : std::true_type {};

template <class T>
struct is_tuple : std::false_type {};
template <class A, class B>
struct is_tuple<std::pair<A, B>> : std::true_type {};
template <class... Ts>
struct is_tuple<std::tuple<Ts...>> : std::true_type {};

template <class T>
concept streamable = requires(std::ostream& os, const T& value) { os << value; };

template <class T>
concept printable_range = requires(const T& range) { std::begin(range) != std::end(range); };

// Members of every access, and those of described bases.
inline constexpr unsigned printed_modifiers = boost::describe::mod_public | boost::describe::mod_protected |
                                             boost::describe::mod_private | boost::describe::mod_inherited;
template <class T>
using printed_members = boost::describe::describe_members<T, printed_modifiers>;

inline constexpr std::size_t printed_elements = 32;  // of a range; then "... (N in all)"

/// Writes `value` for a diagnostic (see the top of this file for how each kind of type reads).
template <class T>
void print(std::ostream& os, const T& value) {
  if constexpr (std::is_same_v<T, bool>) {
    os << (value ? "true" : "false");
  } else if constexpr (std::is_same_v<T, char>) {
    print_quoted(os, std::string_view(&value, 1), '\'');
  } else if constexpr (std::is_same_v<T, signed char> || std::is_same_v<T, unsigned char>) {
    os << static_cast<int>(value);  // std::int8_t and std::uint8_t are numbers, not characters
  } else if constexpr (std::is_same_v<T, wchar_t> || std::is_same_v<T, char8_t> || std::is_same_v<T, char16_t> ||
                       std::is_same_v<T, char32_t>) {
    print_code_unit(os, static_cast<std::uint32_t>(value));  // streams print no char8_t
  } else if constexpr (std::is_floating_point_v<T>) {
    const auto precision = os.precision(std::numeric_limits<T>::max_digits10);  // so unequal values read unequal
    os << value;
    os.precision(precision);
  } else if constexpr (std::is_arithmetic_v<T>) {
    os << value;
  } else if constexpr (std::is_pointer_v<T> && std::is_convertible_v<T, std::string_view>) {
    if (value == nullptr)
      os << "nullptr";
    else
      print_quoted(os, value);
  } else if constexpr (std::is_convertible_v<const T&, std::string_view>) {
    print_quoted(os, value);
  } else if constexpr (is_duration<T>::value) {
    print(os, value.count());
    print_unit(os, T::period::num, T::period::den);
  } else if constexpr (is_time_point<T>::value) {
    if constexpr (std::is_same_v<typename T::clock, std::chrono::system_clock>) {
      const auto seconds = std::chrono::floor<std::chrono::seconds>(value.time_since_epoch());
      const auto nanoseconds = std::chrono::duration_cast<std::chrono::nanoseconds>(value.time_since_epoch() - seconds);
      print_utc(os, seconds.count(), nanoseconds.count());
    } else {
      print(os, value.time_since_epoch());
      os << " since the clock's epoch";
    }
  } else if constexpr (std::is_enum_v<T> && boost::describe::has_describe_enumerators<T>::value) {
    if (const char* name = boost::describe::enum_to_string(value, nullptr))
      os << name;
    else
      os << display_name<T>() << '(' << +static_cast<std::underlying_type_t<T>>(value) << ')';
  } else if constexpr (is_variant<T>::value) {
    if constexpr (requires { value.valueless_by_exception(); }) {
      if (value.valueless_by_exception()) {
        os << "valueless " << type_name<T>();
        return;
      }
    }
    visit_alternative(value, [&](const auto& alternative) { print(os, alternative); });
  } else if constexpr (streamable<T>) {
    os << value;
  } else if constexpr (std::is_enum_v<T>) {
    os << +static_cast<std::underlying_type_t<T>>(value);
  } else if constexpr (is_optional<T>::value) {
    if (value)
      print(os, *value);
    else
      os << "nullopt";
  } else if constexpr (std::is_class_v<T> && boost::describe::has_describe_members<T>::value) {
    os << display_name<T>() << '{';
    bool first = true;
    boost::mp11::mp_for_each<printed_members<T>>([&](auto member) {
      os << (first ? "" : ", ") << member.name << ": ";
      first = false;
      print(os, value.*member.pointer);
    });
    os << '}';
  } else if constexpr (printable_range<T>) {
    constexpr bool map = requires { typename T::key_type; typename T::mapped_type; };
    os << (map ? '{' : '[');
    std::size_t count = 0;
    for (const auto& element : value) {
      if (count < printed_elements) {
        if (count) os << ", ";
        if constexpr (map) {
          print(os, element.first);
          os << ": ";
          print(os, element.second);
        } else {
          print(os, element);
        }
      }
      ++count;
    }
    if (count > printed_elements) os << ", ... (" << count << " in all)";
    os << (map ? '}' : ']');
  } else if constexpr (is_tuple<T>::value) {
    os << '{';
    std::apply(
        [&](const auto&... elements) {
          [[maybe_unused]] bool first = true;
          ((os << (first ? "" : ", "), first = false, print(os, elements)), ...);
        },
        value);
    os << '}';
  } else {
    os << display_name<T>();  // neither printable nor described: describe it to see its fields
  }
}

}  // namespace detail
}  // namespace v0
}  // namespace chronicle
