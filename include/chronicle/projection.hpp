#pragma once
/// @file
/// @brief What projections and reactions declare (`handles`) and what stops them (`projection_failure`).
#include <boost/mp11/list.hpp>

#include <cstdint>
#include <exception>
#include <string>
#include <string_view>

namespace chronicle {
inline namespace v0 {

/// @brief The events a projection or reaction handles: `using handles = chronicle::events<A, B>;`
template <class... Es>
using events = boost::mp11::mp_list<Es...>;

/// @brief Why a projection or reaction stopped: the event its handler threw on, and what it threw.
struct projection_failure {
  std::uint64_t position = 0;
  std::string stream_id;
  std::uint64_t version = 0;
  std::string_view event_name;
  std::string message;
  std::exception_ptr exception;
};

inline std::string describe(const projection_failure& f) {
  return "projection stopped at position " + std::to_string(f.position) + " (stream '" + f.stream_id + "' version " +
         std::to_string(f.version) + ", " + std::string(f.event_name) + "): " + f.message;
}

}  // namespace v0
}  // namespace chronicle
