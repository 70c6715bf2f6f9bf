#pragma once
// Hash maps keyed by stream id (looked up by std::string_view without allocating) and by event id.
#include <boost/uuid/uuid.hpp>
#include <boost/unordered/unordered_flat_map.hpp>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <string_view>

namespace chronicle {
inline namespace v0 {
namespace detail {

// std::hash (a fast byte hash in libstdc++) rather than boost::hash, which mixes in small steps;
// the flat map post-mixes whatever it gets.
struct string_hash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

// Event ids carry at least 62 random bits in their second half (version 7 and version 4 ids alike;
// version 5 ids are SHA-1 bits throughout), so the two halves' xor is already a good hash;
// boost::hash<uuid> would combine all sixteen bytes one at a time.
struct uuid_hash {
  std::size_t operator()(const boost::uuids::uuid& id) const noexcept {
    std::uint64_t halves[2];
    std::memcpy(halves, id.data, sizeof halves);
    return static_cast<std::size_t>(halves[0] ^ halves[1]);
  }
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
