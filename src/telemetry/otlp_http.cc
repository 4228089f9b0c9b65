#include "telemetry/otlp_http.h"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

namespace sluice::telemetry {

namespace {

using Clock = std::chrono::steady_clock;

// Closes the socket on every return path.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

int RemainingMs(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return static_cast<int>(std::max<int64_t>(0, left.count()));
}

bool WaitFor(int fd, short events, Clock::time_point deadline) {
  pollfd p{fd, events, 0};
  for (;;) {
    int n = ::poll(&p, 1, RemainingMs(deadline));
    if (n > 0) return true;
    if (n == 0 || errno != EINTR) return false;
  }
}

bool Connect(const HttpTarget& t, Clock::time_point deadline, Fd& sock, std::string* error) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  std::string port = std::to_string(t.port);
  if (int rc = ::getaddrinfo(t.host.c_str(), port.c_str(), &hints, &found); rc != 0) {
    *error = std::string("cannot resolve ") + t.host + ": " + gai_strerror(rc);
    return false;
  }
  *error = "cannot connect to " + t.host + ":" + port;
  for (addrinfo* a = found; a; a = a->ai_next) {
    Fd s{::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol)};
    if (s.fd < 0) continue;
    int rc = ::connect(s.fd, a->ai_addr, a->ai_addrlen);
    if (rc != 0 && errno != EINPROGRESS) continue;
    if (rc != 0) {
      int so_error = 0;
      socklen_t len = sizeof so_error;
      if (!WaitFor(s.fd, POLLOUT, deadline) ||
          ::getsockopt(s.fd, SOL_SOCKET, SO_ERROR, &so_error, &len) != 0 || so_error != 0)
        continue;
    }
    std::swap(sock.fd, s.fd);
    break;
  }
  ::freeaddrinfo(found);
  return sock.fd >= 0;
}

}  // namespace

std::optional<HttpTarget> OtlpTracesTarget(std::string_view url, std::string* why) {
  constexpr std::string_view kScheme = "http://";
  if (url.substr(0, kScheme.size()) != kScheme) {
    *why = "expected an http:// URL (https is not supported: use a collector on a trusted network)";
    return std::nullopt;
  }
  url.remove_prefix(kScheme.size());
  std::string_view authority = url.substr(0, url.find('/'));
  std::string_view base = url.substr(authority.size());
  while (!base.empty() && base.back() == '/') base.remove_suffix(1);
  HttpTarget t;
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return *why = "unclosed '[' in the host", std::nullopt;
    t.host = std::string(authority.substr(1, close - 1));
    std::string_view rest = authority.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') return *why = "bad host", std::nullopt;
    if (!rest.empty()) port = rest.substr(1);
  } else {
    size_t colon = authority.find(':');
    t.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (t.host.empty()) return *why = "the URL has no host", std::nullopt;
  if (!port.empty()) {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535)
      return *why = "bad port", std::nullopt;
    t.port = static_cast<uint16_t>(value);
  }
  t.path = std::string(base) + "/v1/traces";
  return t;
}

bool HttpPost(const HttpTarget& t, const std::string& body, std::chrono::milliseconds timeout,
              std::string* error) {
  auto deadline = Clock::now() + timeout;
  Fd sock;
  if (!Connect(t, deadline, sock, error)) return false;
  bool v6 = t.host.find(':') != std::string::npos;
  std::string request = "POST " + t.path + " HTTP/1.1\r\nhost: " + (v6 ? "[" + t.host + "]" : t.host) +
                        ":" + std::to_string(t.port) +
                        "\r\ncontent-type: application/json\r\nconnection: close\r\n"
                        "content-length: " +
                        std::to_string(body.size()) + "\r\n\r\n";
  request += body;
  size_t sent = 0;
  while (sent < request.size()) {
    ssize_t n = ::send(sock.fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<size_t>(n);
    } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      if (!WaitFor(sock.fd, POLLOUT, deadline)) return *error = "timed out sending", false;
    } else {
      return *error = std::string("send failed: ") + std::strerror(errno), false;
    }
  }
  // Only the status line matters; read until it is complete (the rest is discarded).
  std::string response;
  char buf[4096];
  while (response.find("\r\n") == std::string::npos && response.size() < 8192) {
    if (!WaitFor(sock.fd, POLLIN, deadline)) return *error = "timed out waiting for an answer", false;
    ssize_t n = ::recv(sock.fd, buf, sizeof buf, 0);
    if (n == 0) break;
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (n < 0) return *error = std::string("receive failed: ") + std::strerror(errno), false;
    response.append(buf, static_cast<size_t>(n));
  }
  // "HTTP/1.1 200 OK"
  if (response.size() < 12 || response.compare(0, 5, "HTTP/") != 0)
    return *error = "not an HTTP answer", false;
  char klass = response[9];
  if (klass != '2') {
    *error = "collector answered " + response.substr(9, 3);
    return false;
  }
  return true;
}

}  // namespace sluice::telemetry
