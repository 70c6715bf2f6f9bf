#pragma once
// Group commit for a store whose appends share one connection: an append that arrives while another
// group is committing queues, and when that group is done the first queued append leads the next
// group, taking every append queued by then into one transaction. Nothing waits to gather a group:
// an append that finds the store idle leads a group of one at once, so a lone writer pays two
// uncontended lock operations for it.
//
// `Request` has a `std::atomic<int> state`, starting at `commit_queue<Request>::queued`.
// `run(std::span<Request* const>)` is called by the leader with no lock of the queue held; it must
// complete every request it is given (its outcome or its failure) and must not throw. Requests live
// on their callers' stacks: the leader touches a request for the last time when it marks it done.
//
// Waiting costs one sleep per follower and one wake per group: followers sleep on the queue's group
// counter (C++20 atomic wait), which the leader bumps once for the whole group. Then each looks at its
// own state without taking the mutex. (A condition variable would make every woken follower take the
// mutex again, which on two cores costs as much as the commit it waited for.)
#include <atomic>
#include <cstdint>
#include <mutex>
#include <span>
#include <vector>

namespace chronicle {
inline namespace v0 {
namespace detail {

template <class Request>
class commit_queue {
 public:
  enum : int { queued, leading, done };

  // Whether no group is running or queued: a hint (it may change the moment it is read), for a store
  // choosing a connection to read on.
  [[nodiscard]] bool idle() const noexcept { return !busy_.load(std::memory_order_relaxed); }

  // Returns once `request` has been run in some group, by this thread or another.
  template <class Run>
  void submit(Request& request, Run&& run) {
    {
      std::unique_lock lock(mutex_);
      queued_.push_back(&request);
      if (leader_) {
        lock.unlock();
        if (wait(request) == done) return;
        lock.lock();  // made leader: the group it leads is what is queued now, itself among it
      }
      leader_ = true;
      busy_.store(true, std::memory_order_relaxed);
      running_.swap(queued_);  // the vectors keep their storage: no allocation once warm
    }
    run(std::span<Request* const>(running_));
    Request* next = nullptr;
    {
      // Under the mutex: once `leader_` is false, an arriving append may lead and swap `running_`.
      std::lock_guard lock(mutex_);
      for (Request* r : running_)
        if (r != &request) r->state.store(done, std::memory_order_release);
      running_.clear();
      if (queued_.empty()) {
        leader_ = false;
        busy_.store(false, std::memory_order_relaxed);
      }
      else
        next = queued_.front();
    }
    if (next != nullptr) next->state.store(leading, std::memory_order_release);
    groups_.fetch_add(1, std::memory_order_release);
    groups_.notify_all();
  }

 private:
  // Sleeps until the request is done or made leader; returns which.
  int wait(Request& request) {
    for (;;) {
      // The counter first: a state set after this load comes with a bump that ends the wait.
      const std::uint32_t seen = groups_.load(std::memory_order_acquire);
      if (const int state = request.state.load(std::memory_order_acquire); state != queued) return state;
      groups_.wait(seen, std::memory_order_acquire);
    }
  }

  std::mutex mutex_;
  std::vector<Request*> queued_;
  std::vector<Request*> running_;  // the group being run; touched only by its leader
  bool leader_ = false;            // whether a group is running or its next leader is chosen
  std::atomic<bool> busy_{false};  // `leader_`, for `idle()`
  std::atomic<std::uint32_t> groups_{0};
};

}  // namespace detail
}  // namespace v0
}  // namespace chronicle
