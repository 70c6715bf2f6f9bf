#pragma once
// What the durable stores (SQLite, PostgreSQL) share above their SQL: the append overloads, the two
// restores, encoding a batch within the payload limit, and decoding a stored row. A store derives from
// `durable_store<Store, Set, Error>` and provides, to it (a friend):
//   result<append_result, store_error> append_recording(stream, expected, batch, std::vector<record>*);
//   template <class Row> void restore_rows(std::size_t n, Row row);  row(i) gives a restored_row
//   const json_options& reading() const;                           the payload limit
// `Error` is what a stored event that does not decode throws.
#include <chronicle/envelope.hpp>
#include <chronicle/error.hpp>
#include <chronicle/event_store.hpp>
#include <chronicle/json/event_codec.hpp>

#include <concepts>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace chronicle {
inline namespace v0 {
namespace detail {

template <class Store, event_set Set, class Error>
class durable_store {
 public:
  using event_type = Set;
  using record = recorded_event<Set>;

  result<append_result, store_error> append(std::string_view stream, expected_version expected,
                                            std::span<const pending_event<Set>> batch) {
    return self().append_recording(stream, expected, batch, nullptr);
  }

  /// @brief As `append`; once the batch is committed, calls `recorded(std::span<const record>)` with
  /// the events as written (not after a re-append that wrote nothing), with no lock or connection
  /// of the store held.
  template <class Recorded>
    requires std::invocable<Recorded&, std::span<const record>>
  result<append_result, store_error> append(std::string_view stream, expected_version expected,
                                            std::span<const pending_event<Set>> batch, Recorded&& recorded) {
    std::vector<record> written;
    auto appended = self().append_recording(stream, expected, batch, &written);
    if (appended && !written.empty()) recorded(std::span<const record>(written));
    return appended;
  }

  result<append_result, store_error> append(std::string_view stream, expected_version expected,
                                            std::initializer_list<pending_event<Set>> batch) {
    return append(stream, expected, std::span<const pending_event<Set>>(batch.begin(), batch.size()));
  }

  /// @brief Loads recorded events, envelopes and all, into this empty store (an import or a restore),
  /// in one transaction: all of them or, on any error, none. Each event is stored at its current
  /// schema version. The rules are every store's (event_store.hpp: positions increasing, each
  /// stream's versions 1, 2, ... and times in order, unique non-nil ids); gaps in the positions are
  /// kept. Throws `std::invalid_argument` if the store holds events or a rule is broken.
  void restore(const std::vector<record>& records) {
    std::vector<std::string> payloads;
    payloads.reserve(records.size());
    for (const auto& r : records) payloads.push_back(event_codec<Set>::encode(r.event));
    self().restore_rows(records.size(), [&](std::size_t i) {
      return restored_row{&records[i], records[i].type(), event_codec<Set>::schema_version(records[i].event), payloads[i]};
    });
  }

  /// @brief As `restore(records)`, keeping each event exactly as recorded: its schema version and
  /// payload are stored as given (and upcast when read), so an old history keeps its original facts.
  /// Each payload must decode as an event of the set (else `std::invalid_argument`, nothing written).
  void restore(const std::vector<encoded_record>& records) {
    typename event_codec<Set>::reader codec(self().reading());
    for (const auto& r : records)
      if (auto decoded = codec.decode(r.event_name, r.schema_version, r.payload); !decoded)
        refuse_restore(r.position, "does not decode: " + describe(decoded.error()));
    self().restore_rows(records.size(), [&](std::size_t i) {
      return restored_row{&records[i], records[i].event_name, records[i].schema_version, records[i].payload};
    });
  }

 protected:
  // One row of a restore: the envelope, and the event as it is to be stored.
  struct restored_row {
    const envelope* r;
    std::string_view type;
    std::uint32_t schema_version;
    std::string_view payload;
  };

  // The batch's payloads, or `payload_too_large` for the first one over the limit.
  static result<std::vector<std::string>, store_error> encode_batch(std::string_view stream,
                                                                    std::span<const pending_event<Set>> batch,
                                                                    std::size_t limit) {
    std::vector<std::string> payloads;
    payloads.reserve(batch.size());
    for (const auto& pending : batch) {
      payloads.push_back(event_codec<Set>::encode(pending.event));
      if (payloads.back().size() > limit) return payload_too_large{std::string(stream), payloads.back().size(), limit};
    }
    return payloads;
  }

  // A stored event, decoded (and upcast); one that does not decode throws `Error` naming its place.
  static Set decode_stored(typename event_codec<Set>::reader& codec, std::string_view type, std::uint32_t schema_version,
                           std::string_view payload, std::string_view stream, std::uint64_t version) {
    auto event = codec.decode(type, schema_version, payload);
    if (!event) {
      auto error = std::move(event).error();
      error.stream_id = std::string(stream);
      error.version = version;
      throw Error("chronicle: a stored event does not decode: " + describe(error));
    }
    return std::move(*event);
  }

 private:
  Store& self() noexcept { return static_cast<Store&>(*this); }
  const Store& self() const noexcept { return static_cast<const Store&>(*this); }
};

}  // namespace detail
}  // namespace v0
}  // namespace chronicle
