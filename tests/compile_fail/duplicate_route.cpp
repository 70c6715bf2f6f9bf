// Misuse: a command bus with two routes for one command.
// Twin: the same bus with one route per command.
#include <chronicle/command_bus.hpp>

struct Ping {};
struct Pong {};

int send() {
  const auto bus = chronicle::command_bus(chronicle::route<Ping>([](const Ping&) { return 1; }),
#ifdef CHRONICLE_COMPILE_FAIL
                                          chronicle::route<Ping>([](const Ping&) { return 2; }));
#else
                                          chronicle::route<Pong>([](const Pong&) { return 2; }));
#endif
  return bus.send(Ping{});
}
