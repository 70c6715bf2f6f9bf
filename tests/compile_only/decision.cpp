// Type-level facts of chronicle/decision.hpp: what a decision holds and what converts into one.
#include <chronicle/decision.hpp>

#include <string>
#include <type_traits>
#include <variant>

namespace {
struct Deposited {};
struct Withdrawn {};
struct Audited {};
struct overdrawn {};
struct frozen {};
using account_error = std::variant<overdrawn, frozen>;
using withdrawal = chronicle::decision<account_error, Withdrawn, Audited>;
}  // namespace

static_assert(chronicle::a_decision<withdrawal>);
static_assert(chronicle::a_decision<const withdrawal&>);
static_assert(!chronicle::a_decision<Withdrawn>);

static_assert(std::is_same_v<withdrawal::error_type, account_error>);
static_assert(std::is_same_v<withdrawal::event_types, boost::mp11::mp_list<Withdrawn, Audited>>);
static_assert(std::is_same_v<withdrawal::event_type, std::variant<Withdrawn, Audited>>);

// `return Withdrawn{};` accepts, `return overdrawn{};` rejects (it converts to the error);
// an event the decision does not list is neither.
static_assert(std::is_convertible_v<Withdrawn, withdrawal>);
static_assert(std::is_convertible_v<Audited, withdrawal>);
static_assert(std::is_convertible_v<overdrawn, withdrawal>);
static_assert(std::is_convertible_v<account_error, withdrawal>);
static_assert(!std::is_convertible_v<Deposited, withdrawal>);
static_assert(!std::is_convertible_v<std::string, withdrawal>);
static_assert(std::is_default_constructible_v<withdrawal>);  // accepted, nothing happened
