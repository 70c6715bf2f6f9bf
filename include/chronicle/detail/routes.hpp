#pragma once
// What the command and query buses share: a check that each key type has one route, whose message
// (a struct template named as the sentence) names the key that has two.
#include <boost/mp11/algorithm.hpp>

namespace chronicle {
inline namespace v0 {
namespace detail {

// One base per distinct key; each fires its own message when its key repeats. `value` is computed
// apart from them, so read it only in a static_assert.
template <template <class, bool> class Message, class Keys, class Distinct = boost::mp11::mp_unique<Keys>>
struct each_routed_once;
template <template <class, bool> class Message, class Keys, class... Ks>
struct each_routed_once<Message, Keys, boost::mp11::mp_list<Ks...>>
    : Message<Ks, boost::mp11::mp_count<Keys, Ks>::value == 1>... {
  static constexpr bool value = sizeof...(Ks) == boost::mp11::mp_size<Keys>::value;
};

}  // namespace detail
}  // namespace v0
}  // namespace chronicle
