#pragma once
// A flat hash map keyed by std::string that looks up by std::string_view without allocating.
#include <boost/container_hash/hash.hpp>
#include <boost/unordered/unordered_flat_map.hpp>

#include <cstddef>
#include <string>
#include <string_view>

namespace chronicle {
inline namespace v0 {
namespace detail {

struct string_hash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return boost::hash<std::string_view>{}(s); }
};

struct string_equal {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const noexcept { return a == b; }
};

template <class Value>
using string_map = boost::unordered_flat_map<std::string, Value, string_hash, string_equal>;

}  // namespace detail
}  // namespace v0
}  // namespace chronicle
