// What the stores run where threads meet, compiled as GCC compiles it under -fsanitize=thread: GCC
// refuses std::atomic_thread_fence there (-Wtsan, an error under -Werror), so a fence on those paths
// would break every user's ThreadSanitizer build. Compiling is the test; nothing runs.
#include <chronicle/memory_store.hpp>
#include <chronicle/sqlite.hpp>

#include <boost/describe/class.hpp>

#include <chrono>
#include <string_view>
#include <variant>

namespace {
struct Counted {
  static constexpr std::string_view event_name = "Counted";
  int n = 0;
};
BOOST_DESCRIBE_STRUCT(Counted, (), (n))
using counted_event = std::variant<Counted>;
}  // namespace

bool append_and_wait() {
  chronicle::memory_store<counted_event> memory;
  (void)memory.append("a", chronicle::expected_version::any(), {chronicle::pending_event<counted_event>{Counted{1}}});
  chronicle::sqlite_store<counted_event> file(":memory:");
  (void)file.append("a", chronicle::expected_version::any(), {chronicle::pending_event<counted_event>{Counted{1}}});
  return memory.wait_for_position(1, std::chrono::milliseconds(1));
}
