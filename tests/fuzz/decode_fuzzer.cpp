// libFuzzer target over the decoders: arbitrary bytes as a JSON Lines dump, and as an event payload.
// Whatever the input, the result is a value or a typed error: never a crash, a leak or undefined
// behaviour (built with ASan and UBSan), and a refused import leaves the store empty.
#include <chronicle/json/lines.hpp>

#include "schema_evolution/orders_v2.hpp"

#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  std::istringstream dump{std::string(input)};
  chronicle::memory_store<evolution::order_event> store;
  const auto imported = chronicle::import_json_lines(dump, store);
  if (!imported && store.head_position() != 0) std::abort();  // a refused import wrote something
  if (imported && store.head_position() != *imported) std::abort();

  // The same bytes as the payload of each event type, at versions 0 to 3.
  using codec = chronicle::event_codec<evolution::order_event>;
  for (std::string_view type : {"OrderPlaced", "OrderCancelled", "Unknown"})
    for (std::uint32_t version = 0; version < 4; ++version) {
      const auto event = codec::decode(type, version, input, {.reject_unknown_fields = (size % 2) == 0});
      if (event && codec::decode(chronicle::event_name(*event), codec::schema_version(*event), codec::encode(*event))
                       .has_error())
        std::abort();  // what decodes must encode and decode again
    }
  return 0;
}
