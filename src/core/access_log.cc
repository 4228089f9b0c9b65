#include "core/access_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

namespace sluice::core {

AccessLogWriter::AccessLogWriter(int fd, bool owns_fd, std::string path, size_t max_pending_bytes)
    : fd_(fd), owns_fd_(owns_fd), path_(std::move(path)), max_pending_(max_pending_bytes) {
  if (fd_ >= 0) thread_ = std::thread([this] { Run(); });
}

AccessLogWriter::~AccessLogWriter() {
  if (thread_.joinable()) {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_one();
    thread_.join();
  }
  if (owns_fd_ && fd_ >= 0) ::close(fd_);
}

void AccessLogWriter::RequestReopen() {
  if (fd_ < 0 || !owns_fd_ || path_.empty()) return;
  {
    std::lock_guard lock(mu_);
    reopen_ = true;
  }
  cv_.notify_one();
}

void AccessLogWriter::Reopen() {
  int fd = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return;  // keep writing to the old file rather than lose lines
  ::close(fd_);
  fd_ = fd;
}

void AccessLogWriter::Append(std::string_view line) {
  if (fd_ < 0) return;
  bool wake;
  {
    std::lock_guard lock(mu_);
    if (pending_.size() + line.size() + 1 > max_pending_) {
      dropped_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    size_t before = pending_.size();
    pending_.append(line);
    pending_.push_back('\n');
    wake = before < kFlushBytes && pending_.size() >= kFlushBytes;
  }
  if (wake) cv_.notify_one();
}

static void WriteAll(int fd, const std::string& data) {
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // a closed stdout must not take the gateway down
    off += static_cast<size_t>(n);
  }
}

void AccessLogWriter::Run() {
  std::string batch;
  for (;;) {
    bool stopping, reopen;
    {
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, kFlushInterval,
                   [this] { return stop_ || reopen_ || pending_.size() >= kFlushBytes; });
      batch.swap(pending_);
      stopping = stop_;
      reopen = reopen_;
      reopen_ = false;
    }
    WriteAll(fd_, batch);
    batch.clear();
    if (reopen) Reopen();
    if (stopping) {
      std::lock_guard lock(mu_);
      if (pending_.empty()) return;
    }
  }
}

}  // namespace sluice::core
