#include "telemetry/span_exporter.h"

#include <algorithm>
#include <iterator>

#include "telemetry/otlp_json.h"

namespace sluice::telemetry {

SpanExporter::SpanExporter(SpanExporterOptions options, Post post)
    : options_(std::move(options)), post_(std::move(post)) {
  options_.max_batch = std::max<size_t>(1, options_.max_batch);
  thread_ = std::thread([this] { Run(); });
}

SpanExporter::~SpanExporter() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

void SpanExporter::Submit(std::vector<Span>&& spans) {
  size_t kept = 0;
  bool wake = false;
  {
    std::lock_guard lock(mu_);
    kept = std::min(spans.size(), options_.max_queue - std::min(options_.max_queue, queue_.size()));
    std::move(spans.begin(), spans.begin() + static_cast<std::ptrdiff_t>(kept),
              std::back_inserter(queue_));
    wake = queue_.size() >= options_.max_batch;
  }
  if (kept < spans.size()) dropped_.fetch_add(spans.size() - kept, std::memory_order_relaxed);
  if (wake) cv_.notify_one();
}

void SpanExporter::Flush() {
  std::unique_lock lock(mu_);
  flush_ = true;
  cv_.notify_one();
  idle_.wait(lock, [this] { return queue_.empty() && !busy_; });
}

void SpanExporter::Run() {
  std::vector<Span> batch;
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait_for(lock, options_.flush_interval,
                 [this] { return stop_ || flush_ || queue_.size() >= options_.max_batch; });
    bool drain = stop_ || flush_;
    while (!queue_.empty()) {
      size_t n = std::min(queue_.size(), options_.max_batch);
      batch.assign(std::make_move_iterator(queue_.begin()),
                   std::make_move_iterator(queue_.begin() + static_cast<std::ptrdiff_t>(n)));
      queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
      busy_ = true;
      lock.unlock();
      bool ok = Export(batch);
      lock.lock();
      busy_ = false;
      if (stop_ && !ok) {  // a collector that is down does not hold up the exit
        failed_.fetch_add(queue_.size(), std::memory_order_relaxed);
        queue_.clear();
      }
      // Between flushes, a partial batch waits for the next interval.
      if (!drain && queue_.size() < options_.max_batch) break;
    }
    if (drain) {
      flush_ = false;
      idle_.notify_all();
    }
    if (stop_ && queue_.empty()) return;  // else stop_ came during an export: drain next round
  }
}

bool SpanExporter::Export(std::vector<Span>& batch) {
  std::string body = EncodeOtlpTraces(batch, options_.service_name, options_.service_version);
  bool ok = post_(body);
  (ok ? exported_ : failed_).fetch_add(batch.size(), std::memory_order_relaxed);
  batch.clear();
  return ok;
}

}  // namespace sluice::telemetry
