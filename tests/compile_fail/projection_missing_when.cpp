// Misuse: a projection that lists an event in `handles` without a when() for it.
// Twin: the same projection with the handler.
#include <chronicle/read_model.hpp>

#include <string_view>

struct Opened {
  static constexpr std::string_view event_name = "Opened";
};
struct Closed {
  static constexpr std::string_view event_name = "Closed";
};

struct open_accounts {
  using handles = chronicle::events<Opened, Closed>;
  int open = 0;
  void when(const Opened&) { ++open; }
#ifndef CHRONICLE_COMPILE_FAIL
  void when(const Closed&) { --open; }
#endif
};

chronicle::read_model<open_accounts> model;
