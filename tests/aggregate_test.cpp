#include <chronicle/aggregate.hpp>

#include <doctest/doctest.h>

#include "support.hpp"

#include <boost/variant2/variant.hpp>

namespace {

using counter::aggregate;

static_assert(std::is_same_v<aggregate::snapshot_policy, chronicle::snapshot_never>);
static_assert(aggregate::concurrency_policy::max_retries == 0);
static_assert(std::is_same_v<aggregate::ignored_events, boost::mp11::mp_list<counter::Noted>>);

TEST_CASE("evolve applies each event through the state's apply()") {
  counter::state s;
  aggregate::evolve(s, counter::counter_event{counter::Added{3}});
  aggregate::evolve(s, counter::counter_event{counter::Doubled{}});
  CHECK(s.value == 6);
}

TEST_CASE("an ignored event leaves the state alone") {
  counter::state s{5};
  aggregate::evolve(s, counter::counter_event{counter::Noted{"hello"}});
  CHECK(s.value == 5);
}

TEST_CASE("decide finds the domain's decide() and returns events or a typed error") {
  const counter::state s{counter::limit - 1};
  auto ok = aggregate::decide(s, counter::Add{1});
  CHECK_FALSE(ok.rejected());
  auto no = aggregate::decide(s, counter::Add{2});
  REQUIRE(no.rejected());
  CHECK(no.error().value == counter::limit - 1);
  CHECK(no.error().amount == 2);
}

TEST_CASE("a decision's events are applied in turn, each seeing the ones before it") {
  counter::state s{1};
  const auto d = aggregate::decide(s, counter::AddThenDouble{2});
  aggregate::evolve(s, d);
  CHECK(s.value == 6);  // (1 + 2) * 2, not 1 * 2 + 2
}

// The same aggregate over a boost::variant2 event set.
using boost_set = boost::variant2::variant<counter::Added, counter::Doubled, counter::Noted>;
using boost_aggregate =
    chronicle::aggregate<counter::state, boost_set, chronicle::ignore<counter::Noted>, chronicle::snapshot_every<10>,
                         chronicle::retry_on_conflict<3>>;
static_assert(boost_aggregate::snapshot_policy::enabled);
static_assert(boost_aggregate::concurrency_policy::max_retries == 3);

TEST_CASE("aggregates work the same over boost::variant2 event sets, policies in any order") {
  counter::state s;
  boost_aggregate::evolve(s, boost_set{counter::Added{4}});
  boost_aggregate::evolve(s, boost_set{counter::Doubled{}});
  boost_aggregate::evolve(s, boost_set{counter::Noted{"x"}});
  CHECK(s.value == 8);
}

struct every_tenth_version {
  bool operator()(const counter::state&, std::uint64_t version, std::uint64_t) const { return version % 10 == 0; }
};

TEST_CASE("snapshot policies decide from the events since the last snapshot, or a predicate") {
  const counter::state s;
  CHECK_FALSE(chronicle::snapshot_every<3>::should_snapshot(s, 2, 2));
  CHECK(chronicle::snapshot_every<3>::should_snapshot(s, 7, 3));
  CHECK_FALSE(chronicle::snapshot_never::should_snapshot(s, 100, 100));
  CHECK(chronicle::snapshot_when<every_tenth_version>::should_snapshot(s, 20, 1));
  CHECK_FALSE(chronicle::snapshot_when<every_tenth_version>::should_snapshot(s, 21, 11));
}

}  // namespace
