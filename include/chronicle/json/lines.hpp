#pragma once
/// @file
/// @brief Export a whole store to JSON Lines, and import such a dump into an empty store.
///
/// The first line is a header, `{"format":"chronicle-events","format_version":1,"events":N}`; then one
/// line per event in global order:
/// `{"position":1,"stream":"o1","version":1,"id":"…","recorded_at":1764230400000000000,"correlation":"…",
///   "causation":"…","type":"OrderPlaced","schema_version":2,"data":{…}}`.
/// An import reads and checks every line before it writes anything, so a dump that is truncated or
/// corrupt anywhere is rejected with its line number and the target store is left as it was.
#include <chronicle/detail/string_map.hpp>
#include <chronicle/envelope.hpp>
#include <chronicle/json/event_codec.hpp>
#include <chronicle/event_store.hpp>
#include <chronicle/json/detail/parse.hpp>
#include <chronicle/json/codec.hpp>
#include <chronicle/result.hpp>

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/serialize.hpp>
#include <boost/unordered/unordered_flat_set.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <istream>
#include <optional>
#include <ostream>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace chronicle {
inline namespace v0 {

/// @brief Why an import refused a dump: the line (1-based; 0 for the dump as a whole) and the reason.
struct import_error {
  std::size_t line = 0;
  std::string message;
  std::optional<decode_error> decode;  ///< set when an event's payload did not decode
};

inline std::string describe(const import_error& e) {
  return "line " + std::to_string(e.line) + ": " + (e.decode ? describe(*e.decode) : e.message);
}

namespace detail {

// Stores that keep events as recorded: exports read their rows as stored (`read_all_encoded`), and
// imports hand them the payloads and schema versions untouched (`restore(encoded records)`).
template <class Store>
concept reads_encoded_events =
    requires(const Store& s) { s.read_all_encoded(std::uint64_t{1}, [](const encoded_record&) { return true; }); };
template <class Store>
concept restores_encoded_events = requires(Store& s, std::vector<encoded_record> records) { s.restore(records); };

// One line of a dump: the envelope's members, then the type, schema version and data that `event`
// writes into the object.
template <class Event>
void write_line(std::ostream& out, const envelope& r, Event&& event) {
  unsigned char scratch[4096];
  boost::json::monotonic_resource resource(scratch, sizeof scratch);
  boost::json::value line(&resource);
  auto& object = line.emplace_object();
  object["position"] = r.position;
  object["stream"] = std::string_view(r.stream_id);
  object["version"] = r.version;
  encode_json(r.id, object["id"]);
  encode_json(r.recorded_at, object["recorded_at"]);
  encode_json(r.correlation_id, object["correlation"]);
  encode_json(r.causation_id, object["causation"]);
  event(object);
  out << boost::json::serialize(line) << '\n';
}

// Reads a line of at most `limit` bytes into `text`; false at the end of the input. A longer line
// sets `too_long` and is not kept: a dump cannot make the reader allocate without bound.
inline bool read_line(std::istream& in, std::string& text, std::size_t limit, bool& too_long) {
  text.clear();
  too_long = false;
  std::streambuf* buffer = in.rdbuf();
  if (buffer == nullptr || !in.good()) {
    in.setstate(std::ios_base::failbit);
    return false;
  }
  bool any = false;
  for (;;) {
    const int c = buffer->sbumpc();
    if (c == std::char_traits<char>::eof()) {
      in.setstate(any ? std::ios_base::eofbit : std::ios_base::eofbit | std::ios_base::failbit);
      return any;
    }
    any = true;
    if (c == '\n') return true;
    if (text.size() < limit)
      text.push_back(static_cast<char>(c));
    else
      too_long = true;
  }
}

}  // namespace detail

/// @brief Writes every event of `store` (up to its head when the export starts) as JSON Lines.
/// Returns how many events it wrote. A store that keeps events as recorded (`sqlite_store`) exports
/// each one's payload and schema version as recorded; `memory_store` holds current types, so it
/// exports them at their current schema version.
template <event_store Store>
std::uint64_t export_json_lines(const Store& store, std::ostream& out) {
  using Set = typename Store::event_type;
  const std::uint64_t head = store.head_position();
  out << R"({"format":"chronicle-events","format_version":1,"events":)" << head << "}\n";
  std::uint64_t written = 0;
  if constexpr (detail::reads_encoded_events<Store>) {
    detail::json_reader reader(detail::strings_as_bytes());
    store.read_all_encoded(1, [&](const encoded_record& r) {
      if (r.position > head) return false;
      detail::write_line(out, r, [&](boost::json::object& object) {
        object["type"] = std::string_view(r.event_name);
        object["schema_version"] = r.schema_version;
        boost::system::error_code ec;
        object["data"] = reader.parse(r.payload, ec);
        if (ec) throw std::runtime_error("chronicle: a stored payload is not JSON: " + ec.message());
      });
      ++written;
      return true;
    });
  } else {
    store.read_all(1, [&](const recorded_event<Set>& r) {
      if (r.position > head) return false;
      detail::write_line(out, r, [&](boost::json::object& object) {
        object["type"] = r.type();
        object["schema_version"] = event_codec<Set>::schema_version(r.event);
        event_codec<Set>::encode(r.event, object["data"]);
      });
      ++written;
      return true;
    });
  }
  if (!out) throw std::ios_base::failure("chronicle: writing the dump failed");
  return written;
}

namespace detail {

// Reads one envelope member, with the line's error on failure.
template <class T>
bool envelope_member(const boost::json::object& line, std::string_view name, T& out, json_decoder& d) {
  auto scope = d.member(name);
  const auto* value = line.if_contains(name);
  if (value == nullptr) return d.fail(decode_error::kind::missing_field, "required");
  return decode_json(*value, out, d);
}

}  // namespace detail

/// @brief Loads a dump into `store`, which must be empty and offer `restore(records)`. All or nothing.
///
/// A store that keeps events as recorded (`sqlite_store`) gets each event's payload and schema version
/// as the dump has them, and upcasts when it reads, so exporting it again gives the dump back byte for
/// byte. `memory_store` holds current C++ types, so old versions are upcast on the way in. Every line
/// is decoded all the same, and checked: the header, JSON syntax, each
/// envelope member, the payload (`decode_error` with the field), positions 1, 2, ..., contiguous
/// stream versions, unique event ids, each stream's times in order, and the event count the header promised.
template <event_store Store>
  requires requires(Store& s, std::vector<recorded_event<typename Store::event_type>> r) { s.restore(std::move(r)); }
result<std::uint64_t, import_error> import_json_lines(std::istream& in, Store& store, json_options options = {}) {
  using Set = typename Store::event_type;
  using record = recorded_event<Set>;
  if (store.head_position() != 0) return import_error{0, "the target store is not empty", std::nullopt};

  std::string text;
  std::size_t line_number = 0;
  auto fail = [&](std::string message) { return import_error{line_number, std::move(message), std::nullopt}; };

  std::uint64_t promised = 0;
  constexpr bool encoded = detail::restores_encoded_events<Store>;
  std::vector<std::conditional_t<encoded, encoded_record, record>> records;
  detail::restore_rules rules;
  boost::unordered_flat_set<event_id, detail::uuid_hash> ids;
  detail::json_reader reader(detail::strings_as_bytes());
  // A line is its payload and an envelope: a stream id of up to 1 KiB, escaped, and a few numbers.
  const std::size_t longest_line = options.max_payload_size + 16 * 1024;
  bool too_long = false;
  while (detail::read_line(in, text, longest_line, too_long)) {
    ++line_number;
    if (too_long)
      return fail("the line is longer than json_options::max_payload_size (" + std::to_string(options.max_payload_size) +
                  " bytes) allows");
    if (detail::blank(text)) return fail("empty line");
    boost::system::error_code ec;
    const boost::json::value json = reader.parse(text, ec);  // one parser and buffer for every line
    if (ec) return fail("malformed JSON: " + ec.message());
    const auto* object = json.if_object();
    if (object == nullptr) return fail("a line must be a JSON object");

    json_decoder d(options);
    if (line_number == 1) {
      std::string format;
      std::uint32_t format_version = 0;
      if (!detail::envelope_member(*object, "format", format, d) || format != "chronicle-events")
        return fail("not a chronicle dump (its first line must be the header)");
      if (!detail::envelope_member(*object, "format_version", format_version, d) || format_version != 1)
        return fail("unknown dump format version");
      if (!detail::envelope_member(*object, "events", promised, d)) return fail(describe(d.error()));
      continue;
    }

    typename decltype(records)::value_type r{};
    std::string type;
    std::uint32_t schema_version = 0;
    if (!detail::envelope_member(*object, "position", r.position, d) ||
        !detail::envelope_member(*object, "stream", r.stream_id, d) ||
        !detail::envelope_member(*object, "version", r.version, d) || !detail::envelope_member(*object, "id", r.id, d) ||
        !detail::envelope_member(*object, "recorded_at", r.recorded_at, d) ||
        !detail::envelope_member(*object, "correlation", r.correlation_id, d) ||
        !detail::envelope_member(*object, "causation", r.causation_id, d) ||
        !detail::envelope_member(*object, "type", type, d) ||
        !detail::envelope_member(*object, "schema_version", schema_version, d))
      return fail("bad envelope: " + describe(d.error()));
    const auto* data = object->if_contains("data");
    if (data == nullptr) return fail("bad envelope: missing field 'data'");
    auto event = event_codec<Set>::decode_parsed(type, schema_version, *data, options);
    if (!event) {
      auto error = std::move(event).error();
      error.stream_id = r.stream_id;
      error.version = r.version;
      return import_error{line_number, "the event does not decode", std::move(error)};
    }
    if constexpr (encoded) {
      r.event_name = std::move(type);
      r.schema_version = schema_version;
      r.payload = boost::json::serialize(*data);
    } else {
      r.event = std::move(*event);
    }

    // The rules every store's restore applies (event_store.hpp), checked here to name the line.
    if (r.id.is_nil()) return fail("an event id is nil");
    if (!ids.insert(r.id).second) return fail("event id " + boost::uuids::to_string(r.id) + " repeats");
    try {
      rules.check(r);
    } catch (const std::invalid_argument& broken) {
      return fail(broken.what());
    }
    records.push_back(std::move(r));
  }
  if (in.bad()) return import_error{line_number, "reading the dump failed", std::nullopt};
  if (line_number == 0) return import_error{0, "empty dump", std::nullopt};
  if (records.size() != promised)
    return import_error{line_number, "the dump ends after " + std::to_string(records.size()) + " of the " +
                                         std::to_string(promised) + " events its header promises (truncated?)",
                        std::nullopt};
  const std::uint64_t count = records.size();
  // What only the store checks (its payload limit, memory_store's gaps) names a position: find its line.
  std::vector<std::uint64_t> positions;
  positions.reserve(records.size());
  for (const auto& r : records) positions.push_back(r.position);
  try {
    store.restore(std::move(records));
  } catch (const detail::restore_refusal& refused) {
    const auto at = std::lower_bound(positions.begin(), positions.end(), refused.position);
    const bool found = at != positions.end() && *at == refused.position;
    return import_error{found ? static_cast<std::size_t>(at - positions.begin()) + 2 : 0, refused.what(), std::nullopt};
  } catch (const std::invalid_argument& refused) {
    return import_error{0, refused.what(), std::nullopt};
  }
  return result<std::uint64_t, import_error>(in_place_value, count);
}

}  // namespace v0
}  // namespace chronicle
