#pragma once
// Batched span export, off the data path. Workers Submit a finished request's spans under a short
// lock (a move into a bounded queue); one background thread encodes them as OTLP JSON and posts a
// batch as soon as `max_batch` spans wait or every `flush_interval`. A worker never waits on the
// collector: when the queue is full, spans are dropped and counted; a batch the collector refuses
// or never answers is counted as failed and not retried (traces are best effort; the counters
// say how much was lost).
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "telemetry/span.h"

namespace sluice::telemetry {

struct SpanExporterOptions {
  std::string service_name = "sluice";
  std::string service_version;
  size_t max_queue = 4096;
  size_t max_batch = 512;
  std::chrono::milliseconds flush_interval{1000};
};

class SpanExporter {
 public:
  // Sends one encoded ExportTraceServiceRequest; true when the collector accepted it. Called on
  // the exporter thread only; may block (bounded by its own timeout).
  using Post = std::function<bool(const std::string& body)>;

  SpanExporter(SpanExporterOptions options, Post post);
  ~SpanExporter();  // exports what is queued, then stops
  SpanExporter(const SpanExporter&) = delete;
  SpanExporter& operator=(const SpanExporter&) = delete;

  // Thread-safe; never waits on I/O. Spans that do not fit in the queue are dropped.
  void Submit(std::vector<Span>&& spans);

  // Thread-safe, blocking: returns once every span submitted before the call was exported (or
  // counted as failed). For tests and shutdown.
  void Flush();

  uint64_t exported() const { return exported_.load(std::memory_order_relaxed); }
  uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }
  uint64_t failed() const { return failed_.load(std::memory_order_relaxed); }

 private:
  void Run();
  bool Export(std::vector<Span>& batch);

  SpanExporterOptions options_;
  Post post_;
  std::mutex mu_;
  std::condition_variable cv_;    // wakes the exporter thread
  std::condition_variable idle_;  // wakes Flush callers
  std::vector<Span> queue_;       // guarded by mu_
  bool stop_ = false;             // guarded by mu_
  bool flush_ = false;            // guarded by mu_
  bool busy_ = false;             // a batch is being posted; guarded by mu_
  std::atomic<uint64_t> exported_{0}, dropped_{0}, failed_{0};
  std::thread thread_;
};

}  // namespace sluice::telemetry
