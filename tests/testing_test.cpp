// The testing helpers, on the Order domain; that they report failures, with what happened; that passing
// checks count; and the printer their messages use.
#include <chronicle/testing.hpp>

#include "orders/read_side.hpp"
#include "support.hpp"

#include <boost/describe/class.hpp>
#include <boost/describe/enum.hpp>
#include <boost/variant2/variant.hpp>

#include <chrono>
#include <map>
#include <optional>
#include <ostream>
#include <sstream>
#include <string>
#include <tuple>
#include <utility>
#include <variant>
#include <vector>

namespace {

using namespace orders;
using chronicle::testing::given;
using chronicle::testing::on;

const auto alice = test::new_id();
const OrderPlaced placed{alice, "widget", 2, money{150}};

}  // namespace

namespace {

TEST_CASE("given / when / then on the Order aggregate") {
  given<order_aggregate>().when(PlaceOrder{alice, "widget", 2, money{150}}).then(placed);
  given<order_aggregate>(placed).when(ConfirmOrder{"o1"}).then(OrderConfirmed{});
  given<order_aggregate>(placed, OrderConfirmed{}).when(ShipOrder{"o1", "T-1"}).then(OrderShipped{"T-1"});
  given<order_aggregate>(placed, OrderConfirmed{}, OrderShipped{"T-1"})
      .when(CancelOrder{"o1", "late"})
      .then_error<invalid_transition>([](const invalid_transition& e) {
        return e.from == order_status::shipped && e.to == order_status::cancelled;
      });
  given<order_aggregate>().when(PlaceOrder{alice, "widget", 0, money{150}}).then_error<invalid_quantity>();
  given<order_aggregate>().when(PlaceOrder{alice, "widget", 0, money{150}}).then_error<order_error>();
  CHECK(given<order_aggregate>(placed, OrderCancelled{"x"}).state().status == order_status::cancelled);
}

TEST_CASE("several events, and then_nothing on a command that decides nothing") {
  given<counter::aggregate>().when(counter::AddThenDouble{1}).then(counter::Added{1}, counter::Doubled{});
  given<counter::aggregate>(counter::Added{1}).when(counter::DoNothing{}).then_nothing();
}

TEST_CASE("given / then on projections, with events placed on streams") {
  given<order_summary>(on("o1", placed), on("o2", placed), on("o1", OrderConfirmed{}))
      .then([](const order_summary& s) {
        CHECK(s.rows.size() == 2);
        CHECK(s.rows.at("o1").status == order_status::confirmed);
        CHECK(s.rows.at("o2").status == order_status::pending);
        CHECK(s.rows.at("o2").total == money{300});
      })
      .then([](const order_summary& s) { return s.rows.contains("o1"); });
  given<user_order_count>(placed, placed).then([](const user_order_count& c) { return c.counts.at(alice) == 2; });
}

// ---- what the helpers report -------------------------------------------------------------------------
// A doctest listener records the checks that the helpers report while `reports_of` runs a scenario:
// the message and line of each failed one, the line of each passed one. doctest counts an assertion
// exactly where it hands it to reporters (log_assert for a passed check, log_message for a failed one),
// so what is recorded here is what the run's "assertions:" line counts.
struct reports {
  std::vector<std::string> failures;
  std::vector<int> failure_lines;
  std::vector<int> passes;
};
reports* recording = nullptr;

class recorder : public doctest::IReporter {
 public:
  explicit recorder(const doctest::ContextOptions&) {}
  void report_query(const doctest::QueryData&) override {}
  void test_run_start() override {}
  void test_run_end(const doctest::TestRunStats&) override {}
  void test_case_start(const doctest::TestCaseData&) override {}
  void test_case_reenter(const doctest::TestCaseData&) override {}
  void test_case_end(const doctest::CurrentTestCaseStats&) override {}
  void test_case_exception(const doctest::TestCaseException&) override {}
  void subcase_start(const doctest::SubcaseSignature&) override {}
  void subcase_end() override {}
  void test_case_skipped(const doctest::TestCaseData&) override {}
  void log_assert(const doctest::AssertData& check) override {
    if (recording == nullptr) return;
    if (check.m_failed) {
      recording->failures.emplace_back(check.m_decomp.c_str());
      recording->failure_lines.push_back(check.m_line);
    } else {
      recording->passes.push_back(check.m_line);
    }
  }
  void log_message(const doctest::MessageData& message) override {
    if (recording == nullptr || (message.m_severity & doctest::assertType::is_warn)) return;
    recording->failures.emplace_back(message.m_string.c_str());
    recording->failure_lines.push_back(message.m_line);
  }
};
REGISTER_LISTENER("chronicle_testing_recorder", 1, recorder);

template <class Scenario>
reports reports_of(Scenario scenario) {
  reports seen;
  struct stop {
    ~stop() { recording = nullptr; }
  } stop_recording;
  recording = &seen;
  scenario();
  return seen;
}

// Each failing case below records exactly one failure, its helper's (`expected_failures(1)`): a check of
// the message that failed too would make two, and the case would fail.
TEST_CASE("a then() with an event of other values names it, its fields, and prints both" *
          doctest::expected_failures(1)) {
  const PlaceOrder three{alice, "widget", 3, money{150}};
  const int line = __LINE__ + 1;
  const auto seen = reports_of([&] { given<order_aggregate>().when(three).then(placed); });
  REQUIRE(seen.failures.size() == 1);
  CHECK(seen.failure_lines == std::vector<int>{line});
  const std::string uuid = boost::uuids::to_string(alice);
  CHECK(seen.failures[0] == "event 1: OrderPlaced differs from the expected one in quantity\n"
                            "  expected: OrderPlaced{user_id: " + uuid + ", product_id: \"widget\", quantity: 2, "
                            "unit_price: orders::money{cents: 150}}\n"
                            "  decided:  OrderPlaced{user_id: " + uuid + ", product_id: \"widget\", quantity: 3, "
                            "unit_price: orders::money{cents: 150}}");
}

TEST_CASE("a then() with events in another order names each index that differs" * doctest::expected_failures(1)) {
  const auto seen = reports_of([] {
    given<counter::aggregate>().when(counter::AddThenDouble{1}).then(counter::Doubled{}, counter::Added{1});
  });
  REQUIRE(seen.failures.size() == 1);
  CHECK(seen.failures[0] == "event 1: expected Doubled, decided Added\n"
                            "  expected: Doubled{}\n"
                            "  decided:  Added{amount: 1}\n"
                            "event 2: expected Added, decided Doubled\n"
                            "  expected: Added{amount: 1}\n"
                            "  decided:  Doubled{}");
}

TEST_CASE("a then() with another number of events lists both sequences" * doctest::expected_failures(1)) {
  const auto seen =
      reports_of([] { given<counter::aggregate>().when(counter::AddThenDouble{4}).then(counter::Added{4}); });
  REQUIRE(seen.failures.size() == 1);
  CHECK(seen.failures[0] == "expected 1 event, decided 2\n"
                            "  expected: [Added{amount: 4}]\n"
                            "  decided:  [Added{amount: 4}, Doubled{}]");
}

TEST_CASE("a then() on a rejected command prints the error, and what the domain's describe() says" *
          doctest::expected_failures(1)) {
  const auto seen = reports_of([] { given<order_aggregate>().when(ConfirmOrder{"o1"}).then(OrderConfirmed{}); });
  REQUIRE(seen.failures.size() == 1);
  CHECK(seen.failures[0] == "expected 1 event, but the command was rejected\n"
                            "  expected: [OrderConfirmed{}]\n"
                            "  error:    orders::invalid_transition (cannot go from new to confirmed)");
}

}  // namespace

// A domain whose error is a variant that has no describe() of its own; one alternative has. (Out of
// the unnamed namespace, whose name compilers spell differently.)
namespace lamp {
struct Lit {
  static constexpr std::string_view event_name = "Lit";
  friend bool operator==(const Lit&, const Lit&) = default;
};
struct state {
  bool lit = false;
  void apply(const Lit&) { lit = true; }
};
struct Light {};
struct already_lit {};
struct no_power {};
inline std::string describe(const already_lit&) { return "the lamp is lit already"; }
using error = std::variant<already_lit, no_power>;
inline auto decide(const state& s, const Light&) -> chronicle::decision<error, Lit> {
  if (s.lit) return error{already_lit{}};
  return Lit{};
}
using aggregate = chronicle::aggregate<state, std::variant<Lit>>;
}  // namespace lamp

namespace {

TEST_CASE("an error variant without describe() of its own prints what its alternative's says" *
          doctest::expected_failures(1)) {
  const auto seen = reports_of([] { given<lamp::aggregate>(lamp::Lit{}).when(lamp::Light{}).then(lamp::Lit{}); });
  REQUIRE(seen.failures.size() == 1);
  CHECK(seen.failures[0] == "expected 1 event, but the command was rejected\n"
                            "  expected: [Lit]\n"
                            "  error:    lamp::already_lit (the lamp is lit already)");
}

TEST_CASE("a then_error() on an accepted command prints the events" * doctest::expected_failures(1)) {
  const auto seen =
      reports_of([] { given<order_aggregate>(placed).when(ConfirmOrder{"o1"}).then_error<invalid_transition>(); });
  REQUIRE(seen.failures.size() == 1);
  CHECK(seen.failures[0] == "expected a rejection, but the command was accepted\n"
                            "  expected: an error of type orders::invalid_transition\n"
                            "  decided:  [OrderConfirmed{}]");
}

TEST_CASE("a then_error() of another error prints the one expected and the actual one" *
          doctest::expected_failures(1)) {
  const PlaceOrder none{alice, "widget", 0, money{150}};
  const auto seen = reports_of([&] { given<order_aggregate>().when(none).then_error<invalid_transition>(); });
  REQUIRE(seen.failures.size() == 1);
  CHECK(seen.failures[0] == "the command was rejected with another error than the one expected\n"
                            "  expected: an error of type orders::invalid_transition\n"
                            "  error:    orders::invalid_quantity (quantity must be positive, not 0)");
}

TEST_CASE("a then_error() whose check fails prints the error" * doctest::expected_failures(1)) {
  const auto seen = reports_of([] {
    given<counter::aggregate>(counter::Added{999'999}).when(counter::Add{5}).then_error<counter::limit_exceeded>(
        [](const counter::limit_exceeded& e) { return e.amount == 4; });
  });
  REQUIRE(seen.failures.size() == 1);
  CHECK(seen.failures[0] == "the rejection's error did not pass the check\n"
                            "  error:    counter::limit_exceeded");  // not described: only its name
}

TEST_CASE("a then_nothing() prints what was emitted" * doctest::expected_failures(1)) {
  const auto seen = reports_of([] { given<order_aggregate>(placed).when(CancelOrder{"o1", "late"}).then_nothing(); });
  REQUIRE(seen.failures.size() == 1);
  CHECK(seen.failures[0] == "expected no events, decided 1\n"
                            "  decided:  [OrderCancelled{reason: \"late\"}]");
}

TEST_CASE("a then_nothing() on a rejected command prints the error" * doctest::expected_failures(1)) {
  const auto seen = reports_of([] { given<order_aggregate>().when(ShipOrder{"o1", "T-1"}).then_nothing(); });
  REQUIRE(seen.failures.size() == 1);
  CHECK(seen.failures[0] == "expected no events, but the command was rejected\n"
                            "  error:    orders::invalid_transition (cannot go from new to shipped)");
}

}  // namespace

// A projection described with Boost.Describe, so that its failures show its fields (in a named
// namespace: compilers spell the anonymous one differently).
namespace shipping {
struct shipments {
  using handles = chronicle::events<orders::OrderShipped>;
  std::vector<std::string> tracking;
  void when(const orders::OrderShipped& e) { tracking.push_back(e.tracking); }
};
BOOST_DESCRIBE_STRUCT(shipments, (), (tracking))
}  // namespace shipping

namespace {

using shipping::shipments;

TEST_CASE("a projection's failed check prints the projection, at the line of its then" *
          doctest::expected_failures(1)) {
  const int line = __LINE__ + 2;
  const auto seen = reports_of([] {
    given<shipments>(OrderShipped{"T-1"}, OrderShipped{"T-2"}).then([](const shipments& s) {
      return s.tracking.empty();  // the line of then(), not of the check's return
    });
  });
  REQUIRE(seen.failures.size() == 1);
  CHECK(seen.failure_lines == std::vector<int>{line});
  CHECK(seen.failures[0] == "the projection did not pass the check\n"
                            "  projection: shipping::shipments{tracking: [\"T-1\", \"T-2\"]}");
}

TEST_CASE("each passing check is one passed doctest assertion, at the line of when") {
  const int line = __LINE__ + 1;
  const auto one = reports_of([] { given<order_aggregate>(placed).when(ConfirmOrder{"o1"}).then(OrderConfirmed{}); });
  CHECK(one.failures.empty());
  CHECK(one.passes == std::vector<int>{line});

  const auto each = reports_of([] {
    given<order_aggregate>().when(ConfirmOrder{"o1"}).then_error<invalid_transition>();
    given<order_aggregate>().when(ConfirmOrder{"o1"}).then_error<order_error>([](const order_error&) { return true; });
    given<counter::aggregate>().when(counter::DoNothing{}).then_nothing();
    given<counter::aggregate>().when(counter::AddThenDouble{1}).then(counter::Added{1}, counter::Doubled{}).then(
        counter::Added{1}, counter::Doubled{});  // chained: two checks
    given<user_order_count>(placed).then([](const user_order_count& c) { return c.counts.size() == 1; });
  });
  CHECK(each.failures.empty());
  CHECK(each.passes.size() == 6);

  // A projection check that makes its own doctest checks adds none: those count.
  const auto inner = reports_of(
      [] { given<user_order_count>(placed).then([](const user_order_count& c) { CHECK(c.counts.size() == 1); }); });
  CHECK(inner.failures.empty());
  CHECK(inner.passes.size() == 1);
}

// That a failure fails the test case at all, independently of the recorder.
TEST_CASE("events that differ in value fail" * doctest::should_fail()) {
  given<order_aggregate>(placed, OrderConfirmed{}).when(ShipOrder{"o1", "T-1"}).then(OrderShipped{"T-2"});
}

}  // namespace

// ---- the printer of the messages ---------------------------------------------------------------------
namespace printing {

enum class colour { red, green };
BOOST_DESCRIBE_ENUM(colour, red, green)
enum class size : unsigned char { small = 1, large = 9 };  // not described
enum plain { zero, one };

struct point {
  int x = 0;
  int y = 0;
};
BOOST_DESCRIBE_STRUCT(point, (), (x, y))

struct labelled : point {
  std::string label;
  std::optional<colour> fill;
};
BOOST_DESCRIBE_STRUCT(labelled, (point), (label, fill))

class secret {
 public:
  explicit secret(int code) : code_(code) {}

 private:
  int code_;
  BOOST_DESCRIBE_CLASS(secret, (), (), (), (code_))
};

struct streamed {
  int value = 0;
  friend std::ostream& operator<<(std::ostream& os, const streamed& s) { return os << "streamed(" << s.value << ')'; }
};
BOOST_DESCRIBE_STRUCT(streamed, (), (value))  // operator<< wins over the description

struct opaque {
  int hidden = 0;
};

struct Arrived {
  static constexpr std::string_view event_name = "Arrived";
  point at;
};
BOOST_DESCRIBE_STRUCT(Arrived, (), (at))

template <class T>
std::string text(const T& value) {
  std::ostringstream os;
  chronicle::detail::print(os, value);
  return os.str();
}

TEST_CASE("the printer: scalars and strings") {
  CHECK(text(true) == "true");
  CHECK(text(42) == "42");
  CHECK(text(std::int8_t{-3}) == "-3");
  CHECK(text('a') == "'a'");
  CHECK(text(u8'a') == "U+0061");
  CHECK(text(U'\U0001F600') == "U+1F600");
  CHECK(text(0.1) == "0.10000000000000001");  // every digit, so unequal values never read alike
  CHECK(text(std::string("say \"hi\"\n\\")) == R"("say \"hi\"\n\\")");
  CHECK(text(std::string_view("tab\there")) == R"("tab\there")");
  CHECK(text(std::string(1, '\x01')) == R"("\x01")");
  CHECK(text("literal") == R"("literal")");
  CHECK(text(static_cast<const char*>(nullptr)) == "nullptr");
  CHECK(text(std::string("caf\xc3\xa9")) == "\"caf\xc3\xa9\"");
}

TEST_CASE("the printer: enums, by name where described") {
  CHECK(text(colour::green) == "green");
  CHECK(text(static_cast<colour>(7)) == "printing::colour(7)");
  CHECK(text(size::large) == "9");
  CHECK(text(one) == "1");
}

TEST_CASE("the printer: described structs, with bases and private members; operator<< first") {
  CHECK(text(point{1, 2}) == "printing::point{x: 1, y: 2}");
  CHECK(text(labelled{{3, 4}, "here", colour::red}) == R"(printing::labelled{x: 3, y: 4, label: "here", fill: red})");
  CHECK(text(labelled{{3, 4}, "", std::nullopt}) == R"(printing::labelled{x: 3, y: 4, label: "", fill: nullopt})");
  CHECK(text(secret{7}) == "printing::secret{code_: 7}");
  CHECK(text(streamed{5}) == "streamed(5)");
  CHECK(text(opaque{1}) == "printing::opaque");
  CHECK(text(Arrived{{1, 1}}) == "Arrived{at: printing::point{x: 1, y: 1}}");  // an event by its stable name
}

TEST_CASE("the printer: variants, containers, pairs and tuples") {
  CHECK(text(std::variant<int, std::string>("x")) == R"("x")");
  CHECK(text(boost::variant2::variant<int, std::string>("x")) == R"("x")");  // ours, not variant2's operator<<
  CHECK(text(std::vector<point>{{1, 2}, {3, 4}}) == "[printing::point{x: 1, y: 2}, printing::point{x: 3, y: 4}]");
  CHECK(text(std::vector<int>{}) == "[]");
  CHECK(text(std::map<std::string, int>{{"a", 1}, {"b", 2}}) == R"({"a": 1, "b": 2})");
  CHECK(text(std::pair<int, std::string>{1, "one"}) == R"({1, "one"})");
  CHECK(text(std::tuple<int, bool, char>{1, false, 'c'}) == "{1, false, 'c'}");
  CHECK(text(std::optional<int>{5}) == "5");
  std::vector<int> many(40, 0);
  CHECK(text(many) == "[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0"
                      ", ... (40 in all)]");
}

TEST_CASE("the printer: uuids, durations and time points") {
  boost::uuids::uuid id{};
  id.data[0] = 0xab;
  CHECK(text(id) == "ab000000-0000-0000-0000-000000000000");
  using namespace std::chrono_literals;
  CHECK(text(250ms) == "250ms");
  CHECK(text(3s) == "3s");
  CHECK(text(std::chrono::duration<int, std::ratio<1, 30>>{2}) == "2[1/30]s");
  const chronicle::clock::time_point epoch{};
  CHECK(text(epoch) == "1970-01-01T00:00:00Z");
  CHECK(text(epoch + 1796120430s) == "2026-12-01T10:20:30Z");
  CHECK(text(epoch + 1796120430s + 500ms) == "2026-12-01T10:20:30.5Z");
  CHECK(text(epoch - 1s) == "1969-12-31T23:59:59Z");
  CHECK(text(std::chrono::time_point<std::chrono::steady_clock, std::chrono::seconds>{5s}) ==
        "5s since the clock's epoch");
}

}  // namespace printing
