#pragma once
// HTTP/1.1 client for upstream providers: per-worker keep-alive connection pools, connect and read
// timeouts, TLS with certificate and host name verification and SNI. A response body is read
// incrementally (ReadBody) so streams are relayed as they arrive.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "http/body_decoder.h"
#include "http/response_head.h"
#include "http/watchdog.h"

namespace sluice::http {

// Where a provider lives, parsed once per config snapshot.
struct UpstreamOrigin {
  std::string scheme;  // "http" | "https"
  std::string host;
  uint16_t port = 0;
  std::string base_path;  // without trailing '/', e.g. "/v1"
  std::string host_header;
  std::string pool_key;  // "scheme://host:port", plus the TLS trust settings for https
  std::shared_ptr<boost::asio::ssl::context> tls;  // null for http
};

// Parses base_url; throws std::invalid_argument on a bad URL. Builds the TLS context (CA file or
// system store, verification on unless `verify` is false). A URL without a path gets
// `default_path` as its base path.
UpstreamOrigin MakeUpstreamOrigin(const std::string& base_url, const std::string& ca_file,
                                  bool verify, std::string_view default_path = "/v1");

enum class UpstreamFailure {
  kNone,
  kConnectRefused,  // nothing listening, unreachable, DNS failure
  kConnectTimeout,
  kTlsFailed,    // handshake or certificate verification
  kTimeout,      // no bytes within the read timeout
  kReset,        // connection closed or reset before the response ended
  kBadResponse,  // not HTTP, bad framing, truncated chunked body, too large
};
std::string_view UpstreamFailureName(UpstreamFailure f);

class UpstreamConnection {
 public:
  using TlsStream = boost::beast::ssl_stream<boost::beast::tcp_stream>;
  UpstreamConnection(boost::beast::tcp_stream tcp, std::unique_ptr<TlsStream> tls);
  ~UpstreamConnection();
  UpstreamConnection(const UpstreamConnection&) = delete;
  UpstreamConnection& operator=(const UpstreamConnection&) = delete;

  boost::beast::tcp_stream& tcp() { return tls_ ? boost::beast::get_lowest_layer(*tls_) : tcp_; }
  bool reused = false;
  std::chrono::steady_clock::time_point idle_since;  // when it went back to the pool

 private:
  friend class UpstreamCall;

  boost::beast::tcp_stream tcp_;
  std::unique_ptr<TlsStream> tls_;
  boost::beast::flat_buffer buffer_;
  std::unique_ptr<char[]> body_buffer_;  // body bytes handed out by ReadBody; reused per request
  ResponseHead head_;                    // the current answer's head; its storage is reused
  OperationWatchdog watchdog_;  // read and write timeouts (connect and handshake had their own)
};

class ConnectionPool {
 public:
  explicit ConnectionPool(boost::asio::any_io_executor executor) : executor_(executor) {}

  // An idle connection to `origin` that still looks alive, or null. Not a coroutine: the usual
  // case costs no frame. `now`: a clock reading the caller just took, if any.
  std::unique_ptr<UpstreamConnection> TakeIdle(
      const UpstreamOrigin& origin,
      std::chrono::steady_clock::time_point now = std::chrono::steady_clock::now());
  // An idle connection to `origin`, or a new one. On failure returns null and sets `failure`.
  boost::asio::awaitable<std::unique_ptr<UpstreamConnection>> Acquire(
      const UpstreamOrigin& origin, std::chrono::milliseconds connect_timeout,
      UpstreamFailure& failure);
  void Release(const UpstreamOrigin& origin, std::unique_ptr<UpstreamConnection> conn,
               size_t max_idle);
  size_t idle_count() const;
  // Closes every idle connection (a drain: their timers must not keep the worker's loop alive).
  void CloseIdle() { idle_.clear(); }

 private:
  boost::asio::any_io_executor executor_;
  std::unordered_map<std::string, std::vector<std::unique_ptr<UpstreamConnection>>> idle_;
};

// One request/response exchange on a connection.
class UpstreamCall {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  UpstreamCall(UpstreamConnection& conn, std::chrono::milliseconds read_timeout)
      : conn_(conn), read_timeout_(read_timeout) {}

  // No operation waits past `deadline` (on top of read_timeout per wait); kTimeout when it passes.
  void set_deadline(TimePoint deadline) { deadline_ = deadline; }

  // Writes the request (head and body) and reads the response head.
  boost::asio::awaitable<UpstreamFailure> Send(std::string_view head, std::string_view body);
  int status() const { return conn_.head_.status(); }
  std::string_view header(std::string_view name) const;
  // Next piece of the body; `out` stays valid until the next call. `done` when the body is
  // complete. Returns as soon as some body bytes are there: never waits for more.
  boost::asio::awaitable<UpstreamFailure> ReadBody(std::string_view& out, bool& done);
  // The same without waiting: true if what is already buffered gives a piece, the end of the body
  // or an error (in `failure`); false if the socket must be read (ReadBody).
  bool TakeBuffered(std::string_view& out, bool& done, UpstreamFailure& failure);
  // The connection can go back to the pool: the whole response was read and keep-alive holds.
  bool reusable() const;
  // Whether any response byte arrived (a reused connection that failed before is safe to retry).
  bool got_response_bytes() const { return got_bytes_; }

 private:
  // When the next operation times out: read_timeout from now, or the deadline if earlier.
  TimePoint NextDue() const;
  // Sets the body decoder up from the response head.
  void StartBody();

  UpstreamConnection& conn_;
  std::chrono::milliseconds read_timeout_;
  TimePoint deadline_ = TimePoint::max();
  // The head is parsed by conn_.head_, the body decoded by `body_`, both straight from the read
  // buffer.
  BodyDecoder body_;
  bool head_done_ = false;
  bool got_bytes_ = false;
  bool failed_ = false;
};

}  // namespace sluice::http
