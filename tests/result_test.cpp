#include <chronicle/result.hpp>

#include <doctest/doctest.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

namespace {

struct not_found {
  std::string key;
};

// Counts the live objects, so that a leak or a double destruction shows.
struct counted {
  static inline int alive = 0;
  std::string text;
  explicit counted(std::string t) : text(std::move(t)) { ++alive; }
  counted(const counted& other) : text(other.text) { ++alive; }
  counted(counted&& other) noexcept : text(std::move(other.text)) { ++alive; }
  counted& operator=(const counted&) = default;
  counted& operator=(counted&&) = default;
  ~counted() { --alive; }
};

// Moves throw while `fail` is set.
struct fragile {
  static inline bool fail = false;
  int value = 0;
  explicit fragile(int v) : value(v) {}
  fragile(const fragile& other) : value(other.value) {
    if (fail) throw std::runtime_error("copy failed");
  }
  fragile(fragile&& other) : value(other.value) {  // NOLINT: may throw, on purpose
    if (fail) throw std::runtime_error("move failed");
  }
  fragile& operator=(const fragile&) = default;
  fragile& operator=(fragile&&) = default;
};

constexpr int constant_result() {
  chronicle::result<int, long> r(chronicle::in_place_value, 3);
  const chronicle::result<int, long> failed(chronicle::in_place_error, 4L);
  r = failed;
  return r.has_error() ? static_cast<int>(r.error()) : *r;
}

}  // namespace

// Found only by argument-dependent lookup, and only if chronicle::detail were an associated
// namespace of a result (as it was while the storage was a base).
namespace chronicle::detail {
inline int adl_probe(const auto&) { return 0; }
}  // namespace chronicle::detail
template <class R>
concept exposes_detail = requires(const R& r) { adl_probe(r); };
static_assert(!exposes_detail<chronicle::result<int, long>>);
static_assert(!exposes_detail<chronicle::result<std::string, not_found>>);

// A result of trivial types is trivial to destroy and copy (so it is passed in registers), and works
// in constant expressions.
static_assert(std::is_trivially_destructible_v<chronicle::result<int, long>>);
static_assert(std::is_trivially_copyable_v<chronicle::result<int, long>>);
static_assert(std::is_trivially_copy_constructible_v<chronicle::result<int, long>>);
static_assert(std::is_trivially_move_assignable_v<chronicle::result<int, long>>);
static_assert(!std::is_trivially_copyable_v<chronicle::result<std::string, int>>);
// Trivially copyable, yet not copy-constructible: a result of it copies as it does, not as its bytes.
struct no_copy {
  no_copy() = default;
  no_copy(const no_copy&) = delete;
  no_copy(no_copy&&) = default;
  no_copy& operator=(const no_copy&) = default;
  no_copy& operator=(no_copy&&) = default;
};
static_assert(std::is_trivially_copyable_v<no_copy>);
static_assert(!std::is_copy_constructible_v<chronicle::result<no_copy, int>>);
static_assert(!std::is_copy_assignable_v<chronicle::result<no_copy, int>>);
static_assert(std::is_move_assignable_v<chronicle::result<no_copy, int>>);
static_assert(std::is_nothrow_move_constructible_v<chronicle::result<std::string, not_found>>);
static_assert(std::is_copy_assignable_v<chronicle::result<std::string, not_found>>);
static_assert(!std::is_trivially_destructible_v<chronicle::result<std::string, int>>);
static_assert(constant_result() == 4);
static_assert(sizeof(chronicle::result<int, long>) <= 2 * sizeof(long));
// Move-only types make a move-only result.
static_assert(std::is_move_constructible_v<chronicle::result<std::unique_ptr<int>, int>>);
static_assert(!std::is_copy_constructible_v<chronicle::result<std::unique_ptr<int>, int>>);

TEST_CASE("a result holds a value or an error, and value() throws the error") {
  chronicle::result<std::string, not_found> found(chronicle::in_place_value, "v");
  REQUIRE(found);
  CHECK(found.has_value());
  CHECK(*found == "v");
  CHECK(found->size() == 1);
  CHECK(found.value() == "v");

  chronicle::result<std::string, not_found> missing(chronicle::in_place_error, not_found{"k"});
  REQUIRE(!missing);
  CHECK(missing.has_error());
  CHECK(missing.error().key == "k");
  try {
    (void)missing.value();
    FAIL("value() of an error must throw");
  } catch (const chronicle::error_exception<not_found>& e) {
    CHECK(e.error().key == "k");
    CHECK(std::string(e.what()) == "chronicle: the result holds an error");
  }
}

TEST_CASE("copies, moves and assignments between a value and an error destroy exactly what they start") {
  counted::alive = 0;
  {
    using r = chronicle::result<counted, not_found>;
    r a(chronicle::in_place_value, "a");
    r b(chronicle::in_place_error, not_found{"b"});
    CHECK(counted::alive == 1);
    b = a;  // error -> value
    CHECK(counted::alive == 2);
    CHECK(b->text == "a");
    a = r(chronicle::in_place_error, not_found{"gone"});  // value -> error
    CHECK(counted::alive == 1);
    CHECK(a.error().key == "gone");
    r c(std::move(b));
    CHECK(c->text == "a");
    r d(c);
    CHECK(counted::alive == 3);
    d = std::move(a);  // value -> error, by move
    CHECK(d.error().key == "gone");
    CHECK(counted::alive == 2);
  }
  CHECK(counted::alive == 0);
}

TEST_CASE("an assignment that throws leaves the result as it was") {
  using r = chronicle::result<fragile, not_found>;
  r held(chronicle::in_place_error, not_found{"before"});
  r incoming(chronicle::in_place_value, 7);
  fragile::fail = true;
  CHECK_THROWS_AS(held = incoming, std::runtime_error);
  CHECK_THROWS_AS(held = std::move(incoming), std::runtime_error);
  fragile::fail = false;
  REQUIRE(held.has_error());
  CHECK(held.error().key == "before");
  held = incoming;
  REQUIRE(held.has_value());
  CHECK(held->value == 7);
}

TEST_CASE("assigning between two values or two errors keeps one live member") {
  counted::alive = 0;
  {
    using r = chronicle::result<counted, not_found>;
    r a(chronicle::in_place_value, "a");
    r b(chronicle::in_place_value, "b");
    a = b;
    CHECK(counted::alive == 2);
    CHECK(a->text == "b");
    a = r(chronicle::in_place_value, "c");
    CHECK(counted::alive == 2);
    CHECK(a->text == "c");
    const r& same = a;
    a = same;  // self-assignment keeps the value
    CHECK(a->text == "c");
    r e(chronicle::in_place_error, not_found{"e"});
    r f(chronicle::in_place_error, not_found{"f"});
    e = f;
    CHECK(e.error().key == "f");
    e = r(chronicle::in_place_error, not_found{"g"});
    CHECK(e.error().key == "g");
    CHECK(counted::alive == 2);
  }
  CHECK(counted::alive == 0);
}

TEST_CASE("a copy that throws starts nothing, and the source keeps its content") {
  using r = chronicle::result<fragile, not_found>;
  const r source(chronicle::in_place_value, 5);
  fragile::fail = true;
  CHECK_THROWS_AS([&] { r copy(source); }(), std::runtime_error);
  fragile::fail = false;
  REQUIRE(source.has_value());
  CHECK(source->value == 5);
  r copy(source);
  CHECK(copy->value == 5);
}
