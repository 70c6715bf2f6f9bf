#pragma once
// A non-owning reference to something callable, as a pointer and a trampoline: what lets a
// repository compile its command loop once and call each command's own code through it.
#include <memory>
#include <type_traits>
#include <utility>

namespace chronicle {
inline namespace v0 {
namespace detail {

template <class Signature>
class function_ref;

template <class R, class... Args>
class function_ref<R(Args...)> {
 public:
  template <class F>
    requires(!std::is_same_v<std::remove_cvref_t<F>, function_ref> && std::is_invocable_r_v<R, F&, Args...>)
  function_ref(F& f) noexcept  // NOLINT: implicit by design; `f` outlives the call it is passed to
      : object_(const_cast<void*>(static_cast<const void*>(std::addressof(f)))),
        call_([](void* object, Args... args) -> R { return (*static_cast<F*>(object))(std::forward<Args>(args)...); }) {}

  R operator()(Args... args) const { return call_(object_, std::forward<Args>(args)...); }

 private:
  void* object_;
  R (*call_)(void*, Args...);
};

}  // namespace detail
}  // namespace v0
}  // namespace chronicle
