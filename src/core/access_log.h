#pragma once
// Asynchronous line writer for the access log. Workers append whole lines under a short lock (a
// memcpy); one background thread writes them out in batches, every kFlushInterval or as soon as
// kFlushBytes are pending, so a busy gateway pays one write() per batch, not one per request. A
// worker never waits on the disk or on a slow stdout reader: when the pending buffer exceeds its
// cap, lines are dropped and counted.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace sluice::core {

class AccessLogWriter {
 public:
  // fd is not owned unless `owns_fd`. fd < 0 disables logging. `path`: the file behind an owned
  // fd, reopened by RequestReopen (log rotation).
  AccessLogWriter(int fd, bool owns_fd, std::string path = {}, size_t max_pending_bytes = 16 << 20);
  ~AccessLogWriter();  // flushes what is pending
  AccessLogWriter(const AccessLogWriter&) = delete;
  AccessLogWriter& operator=(const AccessLogWriter&) = delete;

  bool enabled() const { return fd_ >= 0; }
  // Thread-safe. `line` must not contain the trailing newline.
  void Append(std::string_view line);
  uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }
  // Thread-safe (SIGUSR1): after what is pending is written, reopen `path` (it may have been
  // renamed away by logrotate). Done on the writer thread, so no write races the swap.
  void RequestReopen();

 private:
  void Run();

  static constexpr size_t kFlushBytes = 64 * 1024;
  static constexpr std::chrono::milliseconds kFlushInterval{20};

  void Reopen();

  int fd_;
  bool owns_fd_;
  std::string path_;
  bool reopen_ = false;  // guarded by mu_
  size_t max_pending_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::string pending_;
  bool stop_ = false;
  std::atomic<uint64_t> dropped_{0};
  std::thread thread_;
};

}  // namespace sluice::core
