#include <chronicle/decision.hpp>
#include <chronicle/event.hpp>

#include <doctest/doctest.h>

#include <string>
#include <variant>

namespace {

struct A {
  static constexpr std::string_view event_name = "A";
  int n = 0;
};
struct B {
  static constexpr std::string_view event_name = "B";
};
struct rejected {
  std::string why;
};
struct other_rejection {
  int code = 0;
};
using error = std::variant<rejected, other_rejection>;
using d = chronicle::decision<error, A, B>;
static_assert(chronicle::event_name_v<A> == "A" && chronicle::event_name_v<B> == "B");

static_assert(std::is_same_v<d::event_types, boost::mp11::mp_list<A, B>>);
static_assert(std::is_same_v<d::error_type, error>);

TEST_CASE("a default decision accepts and emits nothing") {
  d x;
  CHECK_FALSE(x.rejected());
  CHECK(x.events().empty());
}

TEST_CASE("a decision holds one event, several in order, or an error") {
  d one = A{1};
  REQUIRE(one.events().size() == 1);
  CHECK(std::get<A>(one.events()[0]).n == 1);

  auto several = d{}.emit(A{1}).emit(B{}).emit(A{2});
  REQUIRE(several.events().size() == 3);
  CHECK(std::holds_alternative<B>(several.events()[1]));
  CHECK(std::get<A>(several.events()[2]).n == 2);

  d no = rejected{"because"};  // converts through the error variant
  CHECK(no.rejected());
  CHECK(std::get<rejected>(no.error()).why == "because");
  CHECK(no.events().empty());
}

}  // namespace
