#include <chronicle/expected_version.hpp>

#include <doctest/doctest.h>

#include <sstream>

using chronicle::expected_version;

static_assert(expected_version::exact(0) == expected_version::no_stream());

TEST_CASE("expected versions admit exactly the stream versions they name") {
  CHECK(expected_version::any().admits(0));
  CHECK(expected_version::any().admits(42));
  CHECK(expected_version::no_stream().admits(0));
  CHECK_FALSE(expected_version::no_stream().admits(1));
  CHECK_FALSE(expected_version::stream_exists().admits(0));
  CHECK(expected_version::stream_exists().admits(1));
  CHECK(expected_version::exact(3).admits(3));
  CHECK_FALSE(expected_version::exact(3).admits(2));
  CHECK_FALSE(expected_version::exact(3).admits(4));
  CHECK(expected_version::exact(3).version() == 3);
  CHECK(expected_version::exact(3).which() == expected_version::kind::exact);
}

TEST_CASE("an expected version prints as the call that made it") {
  std::ostringstream os;
  os << expected_version::any() << ' ' << expected_version::no_stream() << ' ' << expected_version::exact(0) << ' '
     << expected_version::stream_exists() << ' ' << expected_version::exact(42);
  CHECK(os.str() == "any() no_stream() no_stream() stream_exists() exact(42)");
}
