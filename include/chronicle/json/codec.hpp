#pragma once
/// @file
/// @brief JSON codecs by reflection: any struct described with Boost.Describe, and the usual standard
/// types, to and from Boost.JSON values; decode errors name the field and what was wrong.
///
/// Type mapping (also in docs/schema-evolution.md):
/// | C++ | JSON |
/// |---|---|
/// | `bool` | `true` / `false` |
/// | signed and unsigned integers | number, range-checked on decode |
/// | `float`, `double` | number (shortest form that reads back exactly); NaN and infinities are refused |
/// | `std::string` | string (UTF-8) |
/// | enum described with `BOOST_DESCRIBE_ENUM` | string: the enumerator's name |
/// | `boost::uuids::uuid` | string `"xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"` |
/// | `std::chrono::system_clock::time_point` | integer: nanoseconds since 1970-01-01 UTC |
/// | `std::optional<T>` | `null` or T; a missing member decodes as empty |
/// | `std::vector<T>` | array |
/// | map with `std::string` keys | object |
/// | other maps | array of `[key, value]` pairs |
/// | struct described with `BOOST_DESCRIBE_STRUCT` | object, one member per described member |
/// | anything else | your specialisation of `chronicle::json_codec<T>` |
#include <chronicle/result.hpp>

#include <boost/describe/enum_from_string.hpp>
#include <boost/describe/enum_to_string.hpp>
#include <boost/describe/enumerators.hpp>
#include <boost/describe/members.hpp>
#include <boost/json/value.hpp>
#include <boost/mp11/algorithm.hpp>
#include <boost/uuid/string_generator.hpp>
#include <boost/uuid/uuid.hpp>
#include <boost/uuid/uuid_io.hpp>

#include <chrono>
#include <cmath>
#include <concepts>
#include <cstdint>
#include <cstddef>
#include <limits>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

namespace chronicle {
inline namespace v0 {

/// @brief What went wrong decoding JSON, and where.
struct decode_error {
  enum class kind {
    empty_document,          ///< nothing but whitespace
    malformed_json,          ///< not JSON, or JSON followed by something else
    unknown_event,           ///< an event name no type of the set declares
    unknown_schema_version,  ///< a version the event's upcaster chain does not reach
    wrong_type,              ///< e.g. a string where a number belongs
    missing_field,           ///< a required member is absent
    unknown_field,           ///< a member no field matches (only under `reject_unknown_fields`)
    out_of_range,            ///< a number the field's type cannot hold
    invalid_value,           ///< the right JSON type, but not a valid value (a bad UUID, an unknown enumerator)
    too_large,               ///< a document longer than `json_options::max_payload_size`
  };
  kind what = kind::malformed_json;
  std::string field;   ///< path of the member, e.g. `product.sku` or `lines[2].quantity`; empty for the whole document
  std::string detail;  ///< a human-readable reason
  // Filled in by event-level decoders:
  std::string stream_id;
  std::uint64_t version = 0;
  std::string event_name;
  std::uint32_t schema_version = 0;
};

inline std::string_view to_string(decode_error::kind k) {
  switch (k) {
    case decode_error::kind::empty_document: return "empty document";
    case decode_error::kind::malformed_json: return "malformed JSON";
    case decode_error::kind::unknown_event: return "unknown event";
    case decode_error::kind::unknown_schema_version: return "unknown schema version";
    case decode_error::kind::wrong_type: return "wrong type";
    case decode_error::kind::missing_field: return "missing field";
    case decode_error::kind::unknown_field: return "unknown field";
    case decode_error::kind::out_of_range: return "out of range";
    case decode_error::kind::invalid_value: return "invalid value";
    case decode_error::kind::too_large: return "too large";
  }
  return "?";
}

inline std::string describe(const decode_error& e) {
  std::string out(to_string(e.what));
  if (!e.event_name.empty()) out += " in event '" + e.event_name + "' v" + std::to_string(e.schema_version);
  if (!e.stream_id.empty()) out += " (stream '" + e.stream_id + "' version " + std::to_string(e.version) + ")";
  if (!e.field.empty()) out += " at '" + e.field + "'";
  if (!e.detail.empty()) out += ": " + e.detail;
  return out;
}

/// @brief How strict decoding is.
struct json_options {
  /// Refuse members that no field matches (by default they are ignored, so old readers accept new data).
  bool reject_unknown_fields = false;
  /// The longest payload (one event's JSON, in bytes) a reader parses; a longer one is a `decode_error`
  /// of kind `too_large` before any memory is spent on it. Stores refuse to record longer ones.
  std::size_t max_payload_size = std::size_t{64} << 20;
};

/// @brief Thrown when a value cannot be written as JSON (NaN or an infinity). Strings are bytes: one
/// that is not UTF-8 is written as it is and read back as it was (readers allow invalid UTF-8).
class json_encode_error : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

/// @brief Decoding state: the options, the path to the current member, the first error.
///
/// The path is a chain of scopes on the caller's stack, written out only when decoding fails: a
/// successful decode never builds a string for it.
class json_decoder {
 public:
  explicit json_decoder(json_options options = {}) : options_(options) {}
  json_decoder(const json_decoder&) = delete;
  json_decoder& operator=(const json_decoder&) = delete;

  [[nodiscard]] const json_options& options() const noexcept { return options_; }

  /// @brief Records an error at the current path; returns false so decoders can `return d.fail(...)`.
  bool fail(decode_error::kind what, std::string detail) {
    error_.what = what;
    error_.field = path();
    error_.detail = std::move(detail);
    return false;
  }
  [[nodiscard]] decode_error& error() noexcept { return error_; }

  /// @brief Member `name` (which must outlive the scope), or element `index`, for the lifetime of the
  /// returned guard.
  class scope {
   public:
    scope(const scope&) = delete;
    scope& operator=(const scope&) = delete;
    ~scope() { decoder_->innermost_ = outer_; }

   private:
    friend class json_decoder;
    scope(json_decoder& d, std::string_view name, std::size_t index)
        : decoder_(&d), outer_(d.innermost_), name_(name), index_(index) {
      d.innermost_ = this;
    }
    json_decoder* decoder_;
    const scope* outer_;
    std::string_view name_;  // empty for an element
    std::size_t index_;
  };
  [[nodiscard]] scope member(std::string_view name) { return scope(*this, name.empty() ? std::string_view("\"\"") : name, 0); }
  [[nodiscard]] scope element(std::size_t index) { return scope(*this, {}, index); }

  /// @brief The current path, e.g. `lines[2].quantity`.
  [[nodiscard]] std::string path() const {
    std::vector<const scope*> chain;
    for (const scope* s = innermost_; s != nullptr; s = s->outer_) chain.push_back(s);
    std::string out;
    for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
      const scope& s = **it;
      if (s.name_.empty()) {
        out.append("[").append(std::to_string(s.index_)).append("]");
      } else {
        if (!out.empty()) out += '.';
        out.append(s.name_);
      }
    }
    return out;
  }

 private:
  json_options options_;
  const scope* innermost_ = nullptr;
  decode_error error_;
};

/// @brief Customisation point for types the mapping does not cover: specialise with
/// `static void encode(const T&, boost::json::value& out)` and
/// `static bool decode(const boost::json::value& in, T& out, json_decoder& d)` (false after `d.fail`).
template <class T>
struct json_codec;

namespace detail {

template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<std::optional<T>> : std::true_type {};

template <class T>
concept described_struct = std::is_class_v<T> && boost::describe::has_describe_members<T>::value;
template <class T>
concept described_enum = std::is_enum_v<T> && boost::describe::has_describe_enumerators<T>::value;
template <class T>
concept string_keyed_map = requires { typename T::key_type; typename T::mapped_type; } &&
                           std::is_same_v<typename T::key_type, std::string>;
template <class T>
concept any_map = requires { typename T::key_type; typename T::mapped_type; };
template <class T>
concept custom_codec = requires { json_codec<T>::encode; };
// A growable sequence: what both directions handle (std::vector, std::deque, small_vector, ...).
template <class T>
concept sequence = requires(T& v, typename T::value_type item) {
  v.begin();
  v.end();
  v.size();
  v.clear();
  v.push_back(std::move(item));
};
// Views would dangle after decoding, and a char is a number to JSON but a letter to the reader.
template <class T>
concept refused = std::is_same_v<T, std::string_view> || std::is_same_v<T, char> || std::is_pointer_v<T>;

template <class T>
using members_of = boost::describe::describe_members<T, boost::describe::mod_public | boost::describe::mod_inherited>;

template <class T>
struct type_has_no_json_mapping {
  static_assert(sizeof(T) == 0,
                "chronicle: this type has no JSON mapping; describe it with BOOST_DESCRIBE_STRUCT or "
                "BOOST_DESCRIBE_ENUM, or specialise chronicle::json_codec for it");
};

}  // namespace detail

/// @brief Writes `v` into `out` (which keeps its storage: pass one backed by a monotonic resource to
/// avoid heap allocations).
template <class T>
void encode_json(const T& v, boost::json::value& out) {
  if constexpr (detail::custom_codec<T>) {
    json_codec<T>::encode(v, out);
  } else if constexpr (std::is_same_v<T, bool>) {
    out = v;
  } else if constexpr (detail::refused<T>) {
    (void)detail::type_has_no_json_mapping<T>{};
  } else if constexpr (std::is_integral_v<T> && std::is_signed_v<T>) {
    out = static_cast<std::int64_t>(v);
  } else if constexpr (std::is_integral_v<T>) {
    out = static_cast<std::uint64_t>(v);
  } else if constexpr (std::is_floating_point_v<T>) {
    if (!std::isfinite(v)) throw json_encode_error("chronicle: NaN and infinities have no JSON form");
    out = static_cast<double>(v);
  } else if constexpr (std::is_same_v<T, std::string>) {
    out.emplace_string() = v;
  } else if constexpr (detail::described_enum<T>) {
    const char* name = boost::describe::enum_to_string(v, nullptr);
    if (name == nullptr) throw json_encode_error("chronicle: an enum value without a described enumerator");
    out.emplace_string() = name;
  } else if constexpr (std::is_same_v<T, boost::uuids::uuid>) {
    char text[36];
    boost::uuids::to_chars(v, text);
    out.emplace_string().assign(text, sizeof text);
  } else if constexpr (std::is_same_v<T, std::chrono::system_clock::time_point>) {
    out = static_cast<std::int64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(v.time_since_epoch()).count());
  } else if constexpr (detail::is_optional<T>::value) {
    if (v)
      encode_json(*v, out);
    else
      out.emplace_null();
  } else if constexpr (detail::string_keyed_map<T>) {
    auto& object = out.emplace_object();
    for (const auto& [key, item] : v) encode_json(item, object[key]);
  } else if constexpr (detail::any_map<T>) {
    auto& array = out.emplace_array();
    for (const auto& [key, item] : v) {
      auto& pair = array.emplace_back(nullptr).emplace_array();
      encode_json(key, pair.emplace_back(nullptr));
      encode_json(item, pair.emplace_back(nullptr));
    }
  } else if constexpr (detail::sequence<T> && !detail::refused<T>) {
    auto& array = out.emplace_array();
    array.reserve(v.size());
    for (const auto& item : v) encode_json(item, array.emplace_back(nullptr));
  } else if constexpr (detail::described_struct<T>) {
    auto& object = out.emplace_object();
    boost::mp11::mp_for_each<detail::members_of<T>>(
        [&](auto member) { encode_json(v.*member.pointer, object[member.name]); });
  } else {
    (void)detail::type_has_no_json_mapping<T>{};
  }
}

/// @brief Reads `in` into `out`; on failure returns false with `d.error()` saying where and why.
template <class T>
bool decode_json(const boost::json::value& in, T& out, json_decoder& d) {
  using kind = decode_error::kind;
  if constexpr (detail::custom_codec<T>) {
    return json_codec<T>::decode(in, out, d);
  } else if constexpr (std::is_same_v<T, bool>) {
    if (!in.is_bool()) return d.fail(kind::wrong_type, "expected true or false");
    out = in.get_bool();
    return true;
  } else if constexpr (detail::refused<T>) {
    (void)detail::type_has_no_json_mapping<T>{};
    return false;
  } else if constexpr (std::is_integral_v<T>) {
    if (in.is_int64()) {
      const std::int64_t n = in.get_int64();
      if (!std::in_range<T>(n)) return d.fail(kind::out_of_range, std::to_string(n) + " does not fit");
      out = static_cast<T>(n);
      return true;
    }
    if (in.is_uint64()) {
      const std::uint64_t n = in.get_uint64();
      if (!std::in_range<T>(n)) return d.fail(kind::out_of_range, std::to_string(n) + " does not fit");
      out = static_cast<T>(n);
      return true;
    }
    if (in.is_double()) {  // 1.0 or 1e3: an integer in another spelling
      const double x = in.get_double();
      if (std::trunc(x) != x) return d.fail(kind::wrong_type, "expected an integer, not a fraction");
      if (x < static_cast<double>(std::numeric_limits<T>::lowest()) || x >= 0x1p64 ||
          (x >= 0 ? !std::in_range<T>(static_cast<std::uint64_t>(x)) : !std::in_range<T>(static_cast<std::int64_t>(x))))
        return d.fail(kind::out_of_range, "does not fit");
      out = static_cast<T>(x);
      return true;
    }
    return d.fail(kind::wrong_type, "expected an integer");
  } else if constexpr (std::is_floating_point_v<T>) {
    double x = 0;
    if (in.is_double())
      x = in.get_double();
    else if (in.is_int64())
      x = static_cast<double>(in.get_int64());
    else if (in.is_uint64())
      x = static_cast<double>(in.get_uint64());
    else
      return d.fail(kind::wrong_type, "expected a number");
    if (std::abs(x) > static_cast<double>(std::numeric_limits<T>::max()))
      return d.fail(kind::out_of_range, "does not fit a " + std::to_string(sizeof(T) * 8) + "-bit float");
    out = static_cast<T>(x);
    return true;
  } else if constexpr (std::is_same_v<T, std::string>) {
    if (!in.is_string()) return d.fail(kind::wrong_type, "expected a string");
    out.assign(in.get_string().data(), in.get_string().size());
    return true;
  } else if constexpr (detail::described_enum<T>) {
    if (!in.is_string()) return d.fail(kind::wrong_type, "expected an enumerator name");
    const auto& name = in.get_string();
    bool found = false;
    boost::mp11::mp_for_each<boost::describe::describe_enumerators<T>>([&](auto e) {
      if (!found && std::string_view(e.name) == std::string_view(name.data(), name.size())) {
        out = e.value;
        found = true;
      }
    });
    return found || d.fail(kind::invalid_value, "no enumerator named '" + std::string(name.data(), name.size()) + "'");
  } else if constexpr (std::is_same_v<T, boost::uuids::uuid>) {
    if (!in.is_string()) return d.fail(kind::wrong_type, "expected a UUID string");
    const auto& text = in.get_string();
    if (text.size() != 36) return d.fail(kind::invalid_value, "a UUID has 36 characters");
    try {
      out = boost::uuids::string_generator{}(text.begin(), text.end());
    } catch (const std::exception&) {
      return d.fail(kind::invalid_value, "not a UUID");
    }
    return true;
  } else if constexpr (std::is_same_v<T, std::chrono::system_clock::time_point>) {
    std::int64_t ns = 0;
    if (!decode_json(in, ns, d)) return false;
    out = T(std::chrono::duration_cast<typename T::duration>(std::chrono::nanoseconds(ns)));
    return true;
  } else if constexpr (detail::is_optional<T>::value) {
    if (in.is_null()) {
      out.reset();
      return true;
    }
    return decode_json(in, out.emplace(), d);
  } else if constexpr (detail::string_keyed_map<T>) {
    if (!in.is_object()) return d.fail(kind::wrong_type, "expected an object");
    out.clear();
    for (const auto& member : in.get_object()) {
      auto scope = d.member(member.key());
      typename T::mapped_type item{};
      if (!decode_json(member.value(), item, d)) return false;
      out.emplace(std::string(member.key()), std::move(item));
    }
    return true;
  } else if constexpr (detail::any_map<T>) {
    if (!in.is_array()) return d.fail(kind::wrong_type, "expected an array of [key, value] pairs");
    out.clear();
    std::size_t i = 0;
    for (const auto& pair : in.get_array()) {
      auto scope = d.element(i++);
      if (!pair.is_array() || pair.get_array().size() != 2) return d.fail(kind::wrong_type, "expected a [key, value] pair");
      typename T::key_type key{};
      typename T::mapped_type item{};
      if (!decode_json(pair.get_array()[0], key, d) || !decode_json(pair.get_array()[1], item, d)) return false;
      out.emplace(std::move(key), std::move(item));
    }
    return true;
  } else if constexpr (detail::sequence<T> && !detail::refused<T>) {
    if (!in.is_array()) return d.fail(kind::wrong_type, "expected an array");
    out.clear();
    std::size_t i = 0;
    for (const auto& element : in.get_array()) {
      auto scope = d.element(i++);
      typename T::value_type item{};
      if (!decode_json(element, item, d)) return false;
      out.push_back(std::move(item));
    }
    return true;
  } else if constexpr (detail::described_struct<T>) {
    if (!in.is_object()) return d.fail(kind::wrong_type, "expected an object");
    const auto& object = in.get_object();
    bool ok = true;
    boost::mp11::mp_for_each<detail::members_of<T>>([&](auto member) {
      if (!ok) return;
      using field_type = std::remove_cvref_t<decltype(out.*member.pointer)>;
      auto scope = d.member(member.name);
      if (const auto* value = object.if_contains(member.name)) {
        ok = decode_json(*value, out.*member.pointer, d);
      } else if constexpr (detail::is_optional<field_type>::value) {
        (out.*member.pointer).reset();
      } else if constexpr (requires { T::json_defaults; }) {
        static_assert(T::json_defaults, "chronicle: json_defaults is either true or absent");
      } else {
        ok = d.fail(kind::missing_field, "required");
      }
    });
    if (ok && d.options().reject_unknown_fields) {
      for (const auto& entry : object) {
        bool known = false;
        boost::mp11::mp_for_each<detail::members_of<T>>([&](auto member) { known = known || entry.key() == member.name; });
        if (!known) {
          auto scope = d.member(entry.key());
          return d.fail(kind::unknown_field, "no such field");
        }
      }
    }
    return ok;
  } else {
    (void)detail::type_has_no_json_mapping<T>{};
    return false;
  }
}

}  // namespace v0
}  // namespace chronicle
