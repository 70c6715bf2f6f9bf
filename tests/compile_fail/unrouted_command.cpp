// Misuse: sending a command that no route of the bus handles.
// Twin: the same bus, sending the command it routes.
#include <chronicle/command_bus.hpp>

struct Ping {};
struct Pong {};

int send(int n) {
  const auto bus = chronicle::command_bus(chronicle::route<Ping>([n](const Ping&) { return n; }));
#ifdef CHRONICLE_COMPILE_FAIL
  bus.send(Pong{});
  return 0;
#else
  return bus.send(Ping{});
#endif
}
