#pragma once
// Read and write timeouts on a socket without Beast's per-operation timer, which costs an
// async_wait, a cancel and a completion (each under the reactor's lock) for every socket operation.
// One timer per connection instead, armed only when an operation is due earlier than it will fire;
// when it fires early it re-arms for the due time of the operation in flight, and when that
// operation is overdue it closes the socket: closed, not just cancelled, since a composed operation
// between two socket calls would miss a cancel and go on waiting. The operation then fails.
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <chrono>
#include <memory>

namespace sluice::http {

class OperationWatchdog {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  // `stream` must outlive the watchdog; its own (Beast) timeouts are switched off.
  explicit OperationWatchdog(boost::beast::tcp_stream& stream);
  ~OperationWatchdog();
  OperationWatchdog(const OperationWatchdog&) = delete;
  OperationWatchdog& operator=(const OperationWatchdog&) = delete;

  // Brackets one socket operation (possibly composed) that must finish by `due`.
  void Begin(TimePoint due);
  // Ends it: true if it timed out (and the socket was closed).
  bool End();

 private:
  // Shared with the pending wait, so the watchdog may go away while the wait is queued.
  struct State {
    explicit State(const boost::asio::any_io_executor& ex) : timer(ex) {}
    boost::asio::steady_timer timer;
    TimePoint armed = TimePoint::max();
    TimePoint due = TimePoint::max();
    boost::beast::tcp_stream* stream = nullptr;  // null once the watchdog is gone
    bool fired = false;                          // the operation in flight timed out
  };
  static void Arm(const std::shared_ptr<State>& s, TimePoint at);

  std::shared_ptr<State> state_;
};

}  // namespace sluice::http
