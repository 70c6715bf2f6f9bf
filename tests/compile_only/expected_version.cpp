// Type-level facts of chronicle/expected_version.hpp: the optimistic-concurrency conditions, at compile time.
#include <chronicle/expected_version.hpp>

#include <type_traits>

using chronicle::expected_version;

static_assert(expected_version::exact(0) == expected_version::no_stream());
static_assert(expected_version::exact(3) != expected_version::exact(4));
static_assert(expected_version::exact(3).which() == expected_version::kind::exact);
static_assert(expected_version::exact(3).version() == 3);
static_assert(expected_version::any().version() == 0);

static_assert(expected_version::any().admits(0) && expected_version::any().admits(7));
static_assert(expected_version::no_stream().admits(0) && !expected_version::no_stream().admits(1));
static_assert(!expected_version::stream_exists().admits(0) && expected_version::stream_exists().admits(1));
static_assert(expected_version::exact(2).admits(2) && !expected_version::exact(2).admits(3));

// A small value type: passed by value, copied freely.
static_assert(std::is_trivially_copyable_v<expected_version>);
static_assert(!std::is_default_constructible_v<expected_version>);
