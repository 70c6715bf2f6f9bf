// Export and import: exact round trips, legacy dumps through upcasters, and broken dumps refused
// with their line number, leaving the target store as it was.
#include <chronicle/json/lines.hpp>

#include <doctest/doctest.h>

#include "schema_evolution/orders_v2.hpp"
#include "support.hpp"

#include <boost/describe/class.hpp>

#include <fstream>
#include <sstream>

namespace {

using namespace counter;
using store_t = chronicle::memory_store<counter_event>;
using chronicle::expected_version;

std::vector<chronicle::recorded_event<counter_event>> everything_in(const store_t& store) {
  std::vector<chronicle::recorded_event<counter_event>> out;
  store.read_all(1, [&](const auto& r) { out.push_back(r); });
  return out;
}

std::string dump_of(const store_t& store) {
  std::ostringstream out;
  chronicle::export_json_lines(store, out);
  return out.str();
}

void fill(store_t& store) {
  const std::string odd = std::string("quote\" nul") + '\0' + " \xc3\xa9 \xff raw byte";
  REQUIRE(store.append("a", expected_version::any(),
                       {chronicle::pending_event<counter_event>{Added{1}, test::new_id(), test::new_id(), test::new_id()},
                        test::pending<counter_event>(Noted{"line\nbreak \"quoted\" \xf0\x9f\x93\xa6"})}));
  REQUIRE(store.append(odd, expected_version::any(), {test::pending<counter_event>(Doubled{})}));
  REQUIRE(store.append("a", expected_version::any(), {test::pending<counter_event>(Added{-7})}));
}

TEST_CASE("a dump loads into an empty store exactly: versions, positions, ids, times, metadata") {
  store_t source;
  fill(source);
  const auto dump = dump_of(source);
  store_t target;
  std::istringstream in(dump);
  const auto imported = chronicle::import_json_lines(in, target);
  REQUIRE(imported);
  CHECK(*imported == 4);

  const auto before = everything_in(source), after = everything_in(target);
  REQUIRE(after.size() == before.size());
  for (std::size_t i = 0; i < before.size(); ++i) {
    CHECK(after[i].stream_id == before[i].stream_id);
    CHECK(after[i].version == before[i].version);
    CHECK(after[i].position == before[i].position);
    CHECK(after[i].id == before[i].id);
    CHECK(after[i].recorded_at == before[i].recorded_at);
    CHECK(after[i].correlation_id == before[i].correlation_id);
    CHECK(after[i].causation_id == before[i].causation_id);
    CHECK(after[i].type() == before[i].type());
  }
  CHECK(std::get<Noted>(after[1].event).text == std::get<Noted>(before[1].event).text);
  CHECK(dump_of(target) == dump);  // and exporting again gives the same bytes

  // The restored store goes on where the source stopped.
  auto next = target.append("a", expected_version::exact(3), {test::pending<counter_event>(Added{1})});
  REQUIRE(next);
  CHECK(next->version == 4);
  CHECK(next->position == 5);
  // Its event ids are known to it: the same id elsewhere is a duplicate.
  CHECK(target.append("b", expected_version::any(), {test::pending<counter_event>(Added{1}, after[0].id)}).has_error());
}

TEST_CASE("a legacy dump of version 1 events loads into current code through the upcasters") {
  std::ifstream legacy(CHRONICLE_EXAMPLES_DIR "/schema_evolution/legacy_dump.jsonl");
  REQUIRE(legacy);
  chronicle::memory_store<evolution::order_event> store;
  REQUIRE(chronicle::import_json_lines(legacy, store));
  chronicle::repository<chronicle::aggregate<evolution::order, evolution::order_event>, decltype(store)> orders{store};
  CHECK(orders.load("order-1")->state.product == evolution::product_ref{"garden", "rake-7"});
  CHECK(orders.load("order-2")->state.product == evolution::product_ref{"main", "widget-42"});
  CHECK(orders.load("order-2")->state.cancelled);
  CHECK(orders.load("order-3")->state.product == evolution::product_ref{"toys", "kite"});
}

// Breaks line `line` (1-based, the header is line 1) of a good dump with `edit`, imports it into a store
// that must stay empty, and returns the error.
template <class Edit>
chronicle::import_error broken(std::size_t line, Edit edit) {
  store_t source;
  fill(source);
  std::istringstream good(dump_of(source));
  std::string text, out;
  for (std::size_t n = 1; std::getline(good, text); ++n) {
    if (n == line) edit(text);
    out += text + '\n';
  }
  store_t target;
  std::istringstream in(out);
  auto imported = chronicle::import_json_lines(in, target);
  REQUIRE(imported.has_error());
  CHECK(target.head_position() == 0);  // nothing written
  CHECK(target.stream_version("a") == 0);
  return imported.error();
}

TEST_CASE("a truncated or corrupt dump is rejected with its line number, the store unchanged") {
  CHECK(broken(3, [](std::string& l) { l.resize(l.size() / 2); }).line == 3);  // cut mid-line
  CHECK(broken(4, [](std::string& l) { l += "garbage"; }).line == 4);
  CHECK(broken(2, [](std::string& l) { l.clear(); }).message == "empty line");
  CHECK(broken(1, [](std::string& l) { l = "{}"; }).line == 1);
  const auto wrong_type = broken(3, [](std::string& l) {
    const auto at = l.find(R"("text":)");
    l.replace(at, 7, R"("text":5,"x":)");
  });
  CHECK(wrong_type.line == 3);
  REQUIRE(wrong_type.decode);
  CHECK(wrong_type.decode->field == "text");
  CHECK(wrong_type.decode->stream_id == "a");
  CHECK(wrong_type.decode->version == 2);
  CHECK(chronicle::describe(wrong_type) == "line 3: wrong type in event 'Noted' v1 (stream 'a' version 2) at 'text': expected a string");
  CHECK(broken(5, [](std::string& l) { l.replace(l.find(R"("type":"Added")"), 14, R"("type":"Gone")"); }).decode->what ==
        chronicle::decode_error::kind::unknown_event);
  CHECK(broken(5, [](std::string& l) { l.replace(l.find(R"("position":4)"), 12, R"("position":3)"); }).line == 5);
  // A gap in the positions is a history memory_store cannot number: the store refuses it whole, and
  // the error still names the line.
  const auto gap = broken(5, [](std::string& l) { l.replace(l.find(R"("position":4)"), 12, R"("position":9)"); });
  CHECK(gap.line == 5);
  CHECK(gap.message.find("without gaps") != std::string::npos);
  // So is a time that goes back across streams (a PostgreSQL history may hold one; memory_store keeps
  // times in order along positions): position 3 opens its stream, recorded before position 2.
  const auto back_in_time = broken(4, [](std::string& l) {
    const auto at = l.find(R"("recorded_at":)") + 14;
    l.replace(at, l.find(',', at) - at, "1");
  });
  CHECK(back_in_time.line == 4);
  CHECK(back_in_time.message.find("keeps times in order") != std::string::npos);
  CHECK(broken(5, [](std::string& l) {
          const auto at = l.find(R"("id":")") + 6;
          l.replace(at, 36, "00000000-0000-0000-0000-000000000000");
        }).message == "an event id is nil");
  CHECK(broken(5, [](std::string& l) { l.replace(l.find(R"("version":3)"), 11, R"("version":4)"); }).line == 5);
  CHECK(broken(5, [](std::string& l) { l.replace(l.find(R"("schema_version":1)"), 18, R"("schema_version":7)"); }).decode->what ==
        chronicle::decode_error::kind::unknown_schema_version);
  // Cut at a line boundary: only the header's count can tell.
  const auto truncated = broken(5, [](std::string& l) { l = R"({"position":4})"; });
  CHECK(truncated.line == 5);
  store_t source;
  fill(source);
  auto dump = dump_of(source);
  dump.resize(dump.rfind('\n', dump.size() - 2) + 1);  // drop the last line
  std::istringstream in(dump);
  store_t target;
  const auto short_dump = chronicle::import_json_lines(in, target);
  REQUIRE(short_dump.has_error());
  CHECK(short_dump.error().message.find("3 of the 4 events") != std::string::npos);
  CHECK(target.head_position() == 0);
}

TEST_CASE("import refuses a store that is not empty, and an empty dump") {
  store_t source;
  fill(source);
  const auto dump = dump_of(source);
  std::istringstream in(dump);
  store_t busy;
  REQUIRE(busy.append("x", expected_version::any(), {test::pending<counter_event>(Added{1})}));
  const auto refused = chronicle::import_json_lines(in, busy);
  REQUIRE(refused.has_error());
  CHECK(refused.error().message == "the target store is not empty");
  CHECK(busy.head_position() == 1);
  std::istringstream empty("");
  store_t target;
  CHECK(chronicle::import_json_lines(empty, target).has_error());
}

}  // namespace
