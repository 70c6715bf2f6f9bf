// Serialising one event allocates only its output string: the JSON tree is built on the stack.
// (Its own program, because it replaces the global operator new to count.)
#include <chronicle/json/event_codec.hpp>

#include <doctest/doctest.h>

#include "schema_evolution/orders_v2.hpp"

#include <atomic>
#include <cstdlib>
#include <new>

namespace {
std::atomic<long> allocations{0};
}  // namespace

void* operator new(std::size_t size) {
  ++allocations;
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace {

TEST_CASE("encoding an event makes exactly one allocation: the output string") {
  const evolution::order_event placed = evolution::OrderPlaced{
      {}, {"garden", "a product sku long enough to be no small string"}, 3};
  const evolution::order_event cancelled = evolution::OrderCancelled{"a reason longer than the small string buffer"};
  for (const auto& e : {placed, cancelled}) {
    const long before = allocations;
    const std::string payload = chronicle::event_codec<evolution::order_event>::encode(e);
    const long made = allocations - before;
    MESSAGE(payload.size() << " bytes in " << made << " allocation(s)");
    CHECK(made == 1);
  }
}

}  // namespace
