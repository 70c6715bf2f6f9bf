// Misuse: an event's older version has no upcaster to the current one.
// Twin: the same chain with its upcaster.
#include <chronicle/json/event_codec.hpp>

#include <boost/describe/class.hpp>

#include <string>
#include <string_view>
#include <variant>

namespace shop {
struct Renamed_v1 {
  static constexpr std::string_view event_name = "Renamed";
  std::string name;
};
BOOST_DESCRIBE_STRUCT(Renamed_v1, (), (name))

struct Renamed {
  static constexpr std::string_view event_name = "Renamed";
  static constexpr int schema_version = 2;
  using previous_version = Renamed_v1;
  std::string first, last;
};
BOOST_DESCRIBE_STRUCT(Renamed, (), (first, last))

#ifndef CHRONICLE_COMPILE_FAIL
inline Renamed upcast(Renamed_v1 old) { return {std::move(old.name), ""}; }
#endif

using person_event = std::variant<Renamed>;
}  // namespace shop

bool decodes(std::string_view payload) {
  return chronicle::event_codec<shop::person_event>::decode("Renamed", 1, payload).has_value();
}
