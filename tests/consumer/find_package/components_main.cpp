// The optional components, as a user links them: a store exported to JSON Lines (chronicle::json) and
// imported into a SQLite file (chronicle::sqlite; into a memory store where the build has no SQLite).
#include <chronicle/chronicle.hpp>
#include <chronicle/json/lines.hpp>
#ifdef CONSUMER_HAS_SQLITE
#include <chronicle/sqlite/store.hpp>
#endif
#ifdef CONSUMER_HAS_POSTGRES
#include <chronicle/postgres.hpp>
#endif

#include <boost/describe/class.hpp>

#include <cstdio>
#include <iostream>
#include <sstream>
#include <string>
#include <string_view>
#include <variant>

struct Noted {
  static constexpr std::string_view event_name = "Noted";
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
#ifdef CONSUMER_HAS_SQLITE
  const std::string file = "components-consumer.db";  // in the consumer's build directory
  std::remove(file.c_str());
  chronicle::sqlite_store<note_event> target{file};
  const char* into = "SQLite";
#else
  chronicle::memory_store<note_event> target;
  const char* into = "memory";
#endif
  const auto imported = chronicle::import_json_lines(dump, target);
  const bool ok = imported && *imported == 1 && target.stream_version("n") == 1;
  std::cout << "find_package consumer: JSON Lines dump imported into a " << into << " store"
            << (ok ? ": ok\n" : ": WRONG\n");
  return ok ? 0 : 1;
}
