#include "http/watchdog.h"

namespace sluice::http {

OperationWatchdog::OperationWatchdog(boost::beast::tcp_stream& stream)
    : state_(std::make_shared<State>(stream.get_executor())) {
  stream.expires_never();
  state_->stream = &stream;
}

OperationWatchdog::~OperationWatchdog() {
  state_->stream = nullptr;
  state_->timer.cancel();  // a pending wait must not keep the worker's loop alive
}

void OperationWatchdog::Arm(const std::shared_ptr<State>& s, TimePoint at) {
  s->armed = at;
  s->timer.expires_at(at);  // cancels a later wait, if any (its handler sees operation_aborted)
  s->timer.async_wait([s](const boost::system::error_code& ec) {
    if (ec == boost::asio::error::operation_aborted) return;  // rearmed, or the watchdog is gone
    s->armed = TimePoint::max();
    if (!s->stream || s->due == TimePoint::max()) return;  // idle
    if (std::chrono::steady_clock::now() < s->due) {
      Arm(s, s->due);  // armed for an earlier operation, or this one's due time moved
      return;
    }
    s->fired = true;
    s->due = TimePoint::max();
    boost::beast::error_code ignored;
    s->stream->socket().close(ignored);
  });
}

void OperationWatchdog::Begin(TimePoint due) {
  state_->fired = false;
  state_->due = due;
  if (due < state_->armed) Arm(state_, due);
}

bool OperationWatchdog::End() {
  state_->due = TimePoint::max();  // the pending wait stays armed
  return state_->fired;
}

}  // namespace sluice::http
