// The chronicle::json component, as a user links it: a store exported to JSON Lines and imported back.
#include <chronicle/chronicle.hpp>
#include <chronicle/json_lines.hpp>

#include <boost/describe/class.hpp>

#include <sstream>
#include <string_view>
#include <variant>

struct Noted {
  static constexpr std::string_view event_type = "Noted";
  std::string text;
};
BOOST_DESCRIBE_STRUCT(Noted, (), (text))
using note_event = std::variant<Noted>;

int main() {
  chronicle::memory_store<note_event> source;
  if (!source.append("n", chronicle::expected_version::any(), {chronicle::pending_event<note_event>{Noted{"hi"}}}))
    return 1;
  std::stringstream dump;
  chronicle::export_json_lines(source, dump);
  chronicle::memory_store<note_event> target;
  const auto imported = chronicle::import_json_lines(dump, target);
  return imported && *imported == 1 && target.stream_version("n") == 1 ? 0 : 1;
}
