#pragma once
/// @file
/// @brief Events to and from JSON by their stable names and schema versions, upcasting old versions.
#include <chronicle/event.hpp>
#include <chronicle/json/detail/parse.hpp>
#include <chronicle/json/codec.hpp>
#include <chronicle/result.hpp>
#include <chronicle/schema.hpp>

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/serialize.hpp>
#include <boost/mp11/algorithm.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace chronicle {
inline namespace v0 {
namespace detail {

template <class List>
struct codec_diagnostics;
template <class... Es>
struct codec_diagnostics<boost::mp11::mp_list<Es...>> : check_upcaster_chain<Es>... {
  static constexpr bool value = (upcaster_chain_holds<Es> && ...);
};

// Names sorted once at compile time, so finding an event by name is a binary search, not a map.
template <class List>
constexpr auto sorted_names() {
  constexpr auto names = names_of(List{});
  std::array<std::pair<std::string_view, std::size_t>, names.size()> sorted{};
  for (std::size_t i = 0; i < names.size(); ++i) sorted[i] = {names[i], i};
  std::sort(sorted.begin(), sorted.end());
  return sorted;
}

inline bool blank(std::string_view text) {
  return text.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

}  // namespace detail

/// @brief Encodes the events of `Set` as JSON objects and decodes them by (name, schema version, JSON),
/// upcasting older versions to the current type. Every event type (and every older version) must be
/// described with `BOOST_DESCRIBE_STRUCT` (or have a `json_codec`) and be default-constructible.
template <event_set Set>
class event_codec {
  using list = events_of<Set>;
  static_assert(detail::codec_diagnostics<list>::value);

 public:
  /// @brief The event's members as a JSON object. Builds on the stack: the only allocation is the
  /// returned string (for events that fit a 4 KiB scratch buffer).
  static std::string encode(const Set& e) {
    unsigned char scratch[4096];
    boost::json::monotonic_resource resource(scratch, sizeof scratch);
    boost::json::value json(&resource);
    visit_event(e, [&](const auto& concrete) { encode_json(concrete, json); });
    return boost::json::serialize(json);
  }

  /// @brief Encodes into `out`, whose storage it uses.
  static void encode(const Set& e, boost::json::value& out) {
    visit_event(e, [&](const auto& concrete) { encode_json(concrete, out); });
  }

  /// @brief The current schema version of the event `e` holds.
  static std::uint32_t schema_version(const Set& e) {
    return visit_event(e, [](const auto& concrete) { return event_schema_version_v<std::decay_t<decltype(concrete)>>; });
  }

  /// @brief Decodes payloads one after another with one parser and one scratch buffer, as a store's
  /// read loop does. One per thread.
  class reader {
   public:
    explicit reader(json_options options = {}) : options_(options), json_(detail::strings_as_bytes()) {}

    /// @brief Decodes a payload recorded as event `type` at `schema_version`.
    result<Set, decode_error> decode(std::string_view type, std::uint32_t schema_version, std::string_view payload) {
      if (payload.size() > options_.max_payload_size)
        return error(decode_error::kind::too_large, type, schema_version,
                     std::to_string(payload.size()) + " bytes, over the limit of " +
                         std::to_string(options_.max_payload_size) + " (max_payload_size)");
      if (detail::blank(payload)) return error(decode_error::kind::empty_document, type, schema_version, "no JSON");
      boost::system::error_code ec;
      const boost::json::value json = json_.parse(payload, ec);
      if (ec) return error(decode_error::kind::malformed_json, type, schema_version, ec.message());
      return decode_parsed(type, schema_version, json, options_);
    }

   private:
    json_options options_;
    detail::json_reader json_;
  };

  /// @brief Decodes a payload recorded as event `type` at `schema_version`.
  static result<Set, decode_error> decode(std::string_view type, std::uint32_t schema_version, std::string_view payload,
                                          json_options options = {}) {
    return reader(options).decode(type, schema_version, payload);
  }

  /// @brief Decodes a parsed payload recorded as event `type` at `schema_version`.
  static result<Set, decode_error> decode_parsed(std::string_view type, std::uint32_t schema_version,
                                                 const boost::json::value& payload, json_options options = {}) {
    static constexpr auto sorted = detail::sorted_names<list>();
    const auto* found = std::lower_bound(sorted.begin(), sorted.end(), type,
                                         [](const auto& entry, std::string_view name) { return entry.first < name; });
    if (found == sorted.end() || found->first != type)
      return error(decode_error::kind::unknown_event, type, schema_version, "no event of the set has this name");
    return boost::mp11::mp_with_index<boost::mp11::mp_size<list>::value>(found->second, [&](auto index) {
      return decode_as<boost::mp11::mp_at_c<list, index>>(schema_version, payload, options);
    });
  }

 private:
  static result<Set, decode_error> error(decode_error::kind what, std::string_view type, std::uint32_t schema_version,
                                         std::string detail) {
    decode_error e;
    e.what = what;
    e.event_name = std::string(type);
    e.schema_version = schema_version;
    e.detail = std::move(detail);
    return e;
  }

  template <class E>
  static result<Set, decode_error> decode_as(std::uint32_t schema_version, const boost::json::value& payload,
                                             json_options options) {
    json_decoder decoder(options);
    std::optional<result<Set, decode_error>> out;
    boost::mp11::mp_for_each<boost::mp11::mp_transform<boost::mp11::mp_identity, versions_of<E>>>([&](auto version) {
      using V = typename decltype(version)::type;
      if (out || event_schema_version_v<V> != schema_version) return;
      V old{};
      if (!decode_json(payload, old, decoder)) {
        out.emplace(in_place_error, std::move(decoder.error()));
        return;
      }
      if constexpr (upcaster_chain_holds<E>) {  // else the class's static_assert reports the broken link
        try {  // upcasters are user code: a throw is bad data for this event, not a crash
          out.emplace(in_place_value, upcast_to<E>(std::move(old)));
        } catch (const std::exception& e) {
          decoder.fail(decode_error::kind::invalid_value, std::string("the upcaster refused it: ") + e.what());
          out.emplace(in_place_error, std::move(decoder.error()));
        }
      }
    });
    if (!out)
      return error(decode_error::kind::unknown_schema_version, event_name_v<E>, schema_version,
                   "known versions are " + std::to_string(event_schema_version_v<boost::mp11::mp_front<versions_of<E>>>) +
                       " to " + std::to_string(event_schema_version_v<E>));
    if (out->has_error()) {
      out->error().event_name = std::string(event_name_v<E>);
      out->error().schema_version = schema_version;
    }
    return std::move(*out);
  }
};

}  // namespace v0
}  // namespace chronicle
