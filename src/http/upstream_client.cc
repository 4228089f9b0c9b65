#include "http/upstream_client.h"

#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/url/parse.hpp>
#include <stdexcept>

#include "http/write_now.h"

namespace sluice::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using asio::awaitable;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
constexpr size_t kReadChunk = 16 * 1024;  // body bytes handed out per ReadBody at most
// A socket read takes up to the connection buffer's spare room (it reserves 64 KiB, so a burst of
// stream events comes in with one read), at least kMinRead and at most kMaxRead.
constexpr size_t kMinRead = 4 * 1024;
constexpr size_t kMaxRead = 64 * 1024;
constexpr uint64_t kMaxResponseBody = 64ULL << 20;
constexpr size_t kMaxResponseHead = 64 * 1024;
constexpr int kMaxInterim = 8;  // interim (1xx) answers skipped before the final one

std::string_view UpstreamFailureName(UpstreamFailure f) {
  switch (f) {
    case UpstreamFailure::kNone:
      return "none";
    case UpstreamFailure::kConnectRefused:
      return "connect_refused";
    case UpstreamFailure::kConnectTimeout:
      return "connect_timeout";
    case UpstreamFailure::kTlsFailed:
      return "tls_failed";
    case UpstreamFailure::kTimeout:
      return "timeout";
    case UpstreamFailure::kReset:
      return "reset";
    case UpstreamFailure::kBadResponse:
      return "bad_response";
  }
  return "none";
}

UpstreamOrigin MakeUpstreamOrigin(const std::string& base_url, const std::string& ca_file,
                                  bool verify, std::string_view default_path) {
  auto parsed = boost::urls::parse_uri(base_url);
  if (!parsed) throw std::invalid_argument("invalid URL '" + base_url + "'");
  UpstreamOrigin o;
  o.scheme = std::string(parsed->scheme());
  if (o.scheme != "http" && o.scheme != "https")
    throw std::invalid_argument("URL scheme must be http or https: '" + base_url + "'");
  o.host = std::string(parsed->host_address());
  if (o.host.empty()) throw std::invalid_argument("URL has no host: '" + base_url + "'");
  bool tls = o.scheme == "https";
  o.port = parsed->has_port() ? parsed->port_number() : (tls ? 443 : 80);
  std::string path(parsed->encoded_path());
  while (!path.empty() && path.back() == '/') path.pop_back();
  o.base_path = path.empty() ? std::string(default_path) : path;
  bool default_port = o.port == (tls ? 443 : 80);
  std::string host_for_header =
      o.host.find(':') != std::string::npos ? "[" + o.host + "]" : o.host;  // IPv6 literal
  o.host_header = default_port ? host_for_header : host_for_header + ":" + std::to_string(o.port);
  // Connections are shared only between providers that would verify the peer the same way.
  o.pool_key = o.scheme + "://" + host_for_header + ":" + std::to_string(o.port);
  if (tls) o.pool_key += (verify ? "|verify|" : "|noverify|") + ca_file;
  if (tls) {
    o.tls = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
    o.tls->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                       asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                       asio::ssl::context::no_tlsv1_1);
    if (verify) {
      o.tls->set_verify_mode(asio::ssl::verify_peer);
      if (ca_file.empty())
        o.tls->set_default_verify_paths();
      else
        o.tls->load_verify_file(ca_file);
    } else {
      o.tls->set_verify_mode(asio::ssl::verify_none);
    }
    static const unsigned char kAlpn[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
    SSL_CTX_set_alpn_protos(o.tls->native_handle(), kAlpn, sizeof kAlpn);
  }
  return o;
}

UpstreamConnection::UpstreamConnection(beast::tcp_stream tcp, std::unique_ptr<TlsStream> tls)
    : tcp_(std::move(tcp)), tls_(std::move(tls)), watchdog_(this->tcp()) {
  // Beast sizes each socket read by the buffer's spare capacity (512 bytes at first): reserve
  // enough that a burst of stream events comes in with one read.
  buffer_.reserve(64 * 1024);
}

UpstreamConnection::~UpstreamConnection() = default;

namespace {

// A pooled connection the server has closed meanwhile reads as EOF right away: check without
// blocking before reusing it.
bool LooksAlive(beast::tcp_stream& tcp) {
  char c;
  ssize_t n = ::recv(tcp.socket().native_handle(), &c, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n > 0) return true;
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

UpstreamFailure ClassifyReadError(const beast::error_code& ec) {
  if (ec == beast::error::timeout) return UpstreamFailure::kTimeout;
  if (ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message ||
      ec == asio::error::eof || ec == asio::error::connection_reset ||
      ec == asio::error::broken_pipe || ec == asio::error::connection_aborted ||
      ec == asio::error::operation_aborted)
    return UpstreamFailure::kReset;
  if (ec.category() == asio::error::get_ssl_category() || ec == asio::ssl::error::stream_truncated)
    return UpstreamFailure::kReset;
  return UpstreamFailure::kBadResponse;
}

}  // namespace

std::unique_ptr<UpstreamConnection> ConnectionPool::TakeIdle(
    const UpstreamOrigin& origin, std::chrono::steady_clock::time_point now) {
  auto& idle = idle_[origin.pool_key];
  while (!idle.empty()) {
    std::unique_ptr<UpstreamConnection> conn = std::move(idle.back());
    idle.pop_back();
    // A connection used moments ago is almost surely alive: skip the peek (a syscall) then; a stale
    // one is caught by the caller's retry-once on a reused connection anyway.
    bool recent = now - conn->idle_since < std::chrono::seconds(1);
    if (recent || LooksAlive(conn->tcp())) {
      conn->reused = true;
      return conn;
    }
  }
  return nullptr;
}

awaitable<std::unique_ptr<UpstreamConnection>> ConnectionPool::Acquire(
    const UpstreamOrigin& origin, std::chrono::milliseconds connect_timeout,
    UpstreamFailure& failure) {
  failure = UpstreamFailure::kNone;
  if (auto conn = TakeIdle(origin)) co_return conn;

  std::vector<asio::ip::tcp::endpoint> endpoints;
  beast::error_code ec;
  auto address = asio::ip::make_address(origin.host, ec);
  if (!ec) {
    endpoints.emplace_back(address, origin.port);
  } else {
    asio::ip::tcp::resolver resolver(executor_);
    auto [rec, results] =
        co_await resolver.async_resolve(origin.host, std::to_string(origin.port), kTuple);
    if (rec) {
      failure = UpstreamFailure::kConnectRefused;
      co_return nullptr;
    }
    for (const auto& r : results) endpoints.push_back(r.endpoint());
  }

  beast::tcp_stream tcp(executor_);
  tcp.expires_after(connect_timeout);
  auto [cec, ep] = co_await tcp.async_connect(endpoints, kTuple);
  if (cec) {
    failure = cec == beast::error::timeout ? UpstreamFailure::kConnectTimeout
                                           : UpstreamFailure::kConnectRefused;
    co_return nullptr;
  }
  tcp.socket().set_option(asio::ip::tcp::no_delay(true));
  tcp.socket().non_blocking(true);  // for WriteNow; asynchronous operations are unaffected
  if (!origin.tls) co_return std::make_unique<UpstreamConnection>(std::move(tcp), nullptr);

  auto tls = std::make_unique<UpstreamConnection::TlsStream>(std::move(tcp), *origin.tls);
  bool host_is_name = static_cast<bool>(ec);  // SNI carries names only, never IP literals
  if (host_is_name) SSL_set_tlsext_host_name(tls->native_handle(), origin.host.c_str());
  tls->set_verify_callback(asio::ssl::host_name_verification(origin.host));
  beast::get_lowest_layer(*tls).expires_after(connect_timeout);
  auto [hec] = co_await tls->async_handshake(asio::ssl::stream_base::client, kTuple);
  if (hec) {
    failure = hec == beast::error::timeout ? UpstreamFailure::kConnectTimeout
                                           : UpstreamFailure::kTlsFailed;
    co_return nullptr;
  }
  co_return std::make_unique<UpstreamConnection>(beast::tcp_stream(executor_), std::move(tls));
}

void ConnectionPool::Release(const UpstreamOrigin& origin, std::unique_ptr<UpstreamConnection> conn,
                             size_t max_idle) {
  auto& idle = idle_[origin.pool_key];
  if (idle.size() >= max_idle) return;  // dropping closes it
  conn->tcp().expires_never();
  conn->idle_since = std::chrono::steady_clock::now();
  idle.push_back(std::move(conn));
}

size_t ConnectionPool::idle_count() const {
  size_t n = 0;
  for (const auto& [key, conns] : idle_) n += conns.size();
  return n;
}

UpstreamCall::TimePoint UpstreamCall::NextDue() const {
  auto now = std::chrono::steady_clock::now();
  std::chrono::steady_clock::duration wait = read_timeout_;
  if (deadline_ != TimePoint::max()) wait = std::min(wait, deadline_ - now);
  return now + std::max(wait, std::chrono::steady_clock::duration(std::chrono::milliseconds(1)));
}

awaitable<UpstreamFailure> UpstreamCall::Send(std::string_view head, std::string_view body) {
  // TLS or not, in place rather than through a template per stream type: one coroutine frame
  // less per request.
  std::array<asio::const_buffer, 2> buffers{asio::buffer(head), asio::buffer(body)};
  beast::error_code wec;
  size_t n = 0;
  if (conn_.tls_ || !WriteNow(conn_.tcp_.socket(), buffers, wec)) {
    conn_.watchdog_.Begin(NextDue());
    if (conn_.tls_)
      std::tie(wec, n) = co_await asio::async_write(*conn_.tls_, buffers, kTuple);
    else
      std::tie(wec, n) = co_await asio::async_write(conn_.tcp_.socket(), buffers, kTuple);
    if (conn_.watchdog_.End()) wec = beast::error::timeout;
  }
  if (wec) {
    failed_ = true;
    co_return wec == beast::error::timeout ? UpstreamFailure::kTimeout : UpstreamFailure::kReset;
  }
  // The head: one socket read per wait, parsed as a whole once its blank line is in.
  ResponseHead& answer = conn_.head_;
  answer.Reset();
  conn_.watchdog_.Begin(NextDue());
  beast::error_code rec;
  bool bad_head = false;
  int interim = 0;
  for (;;) {
    auto buffered = conn_.buffer_.data();
    std::string_view in(static_cast<const char*>(buffered.data()), buffered.size());
    if (!in.empty()) {
      got_bytes_ = true;
      size_t used = 0;
      ResponseHead::Result r = answer.Parse(in, kMaxResponseHead, used);
      if (r == ResponseHead::Result::kDone) {
        conn_.buffer_.consume(used);
        // An interim answer (100 Continue, 103 Early Hints) comes before the final one: skip it,
        // a bounded number of times. 101 would switch protocols, which was never asked for.
        int status = answer.status();
        if (status >= 100 && status < 200 && status != 101 && ++interim <= kMaxInterim) {
          answer.Reset();
          continue;
        }
        bad_head = status >= 100 && status < 200;
        break;
      }
      if (r != ResponseHead::Result::kIncomplete) {
        bad_head = true;
        break;
      }
    }
    size_t room = conn_.buffer_.capacity() - conn_.buffer_.size();
    auto space = conn_.buffer_.prepare(std::clamp<size_t>(room, 512, 65536));
    if (conn_.tls_)
      std::tie(rec, n) = co_await conn_.tls_->async_read_some(space, kTuple);
    else
      std::tie(rec, n) = co_await conn_.tcp_.socket().async_read_some(space, kTuple);
    conn_.buffer_.commit(n);
    if (rec) break;
  }
  if (conn_.watchdog_.End()) rec = beast::error::timeout;
  if (rec || bad_head || answer.content_length().value_or(0) > kMaxResponseBody) {
    failed_ = true;
    co_return rec ? ClassifyReadError(rec) : UpstreamFailure::kBadResponse;
  }
  head_done_ = true;
  StartBody();
  co_return UpstreamFailure::kNone;
}

std::string_view UpstreamCall::header(std::string_view name) const {
  return conn_.head_.header(name);
}

void UpstreamCall::StartBody() {
  using Framing = BodyDecoder::Framing;
  const ResponseHead& head = conn_.head_;
  if (head.no_body())  // 1xx, 204, 304, Content-Length: 0
    body_.Reset(Framing::kNone, 0, kMaxResponseBody);
  else if (head.chunked())
    body_.Reset(Framing::kChunked, 0, kMaxResponseBody);
  else if (auto length = head.content_length())
    body_.Reset(Framing::kLength, *length, kMaxResponseBody);
  else
    body_.Reset(Framing::kUntilClose, 0, kMaxResponseBody);
}

bool UpstreamCall::TakeBuffered(std::string_view& out, bool& done, UpstreamFailure& failure) {
  auto& read_buffer = conn_.body_buffer_;
  if (!read_buffer) read_buffer = std::make_unique_for_overwrite<char[]>(kReadChunk);
  // All of what is buffered that fits: a burst of SSE events in many HTTP chunks leaves in one
  // client write.
  auto buffered = conn_.buffer_.data();
  std::string_view in(static_cast<const char*>(buffered.data()), buffered.size());
  size_t got = 0;
  conn_.buffer_.consume(body_.Decode(in, read_buffer.get(), kReadChunk, got));
  out = std::string_view(read_buffer.get(), got);
  done = false;
  failure = UpstreamFailure::kNone;
  if (body_.status() != BodyDecoder::Status::kOk) {
    failed_ = true;
    failure = UpstreamFailure::kBadResponse;
    return true;
  }
  done = body_.done();
  return got > 0 || done;
}

awaitable<UpstreamFailure> UpstreamCall::ReadBody(std::string_view& out, bool& done) {
  UpstreamFailure failure = UpstreamFailure::kNone;
  // The socket is read only when what is buffered yields nothing, and at most once per turn.
  while (!TakeBuffered(out, done, failure)) {
    size_t room = conn_.buffer_.capacity() - conn_.buffer_.size();
    auto space = conn_.buffer_.prepare(std::clamp(room, kMinRead, kMaxRead));
    conn_.watchdog_.Begin(NextDue());
    beast::error_code ec;
    size_t n = 0;
    if (conn_.tls_)
      std::tie(ec, n) = co_await conn_.tls_->async_read_some(space, kTuple);
    else
      std::tie(ec, n) = co_await conn_.tcp_.socket().async_read_some(space, kTuple);
    if (conn_.watchdog_.End()) ec = beast::error::timeout;
    conn_.buffer_.commit(n);
    if (ec == asio::error::eof && body_.until_close()) {
      body_.OnEof();
      out = {};
      done = true;
      break;
    }
    if (ec) {
      failed_ = true;
      out = {};
      done = false;
      co_return ClassifyReadError(ec);
    }
  }
  co_return failure;
}

bool UpstreamCall::reusable() const {
  return !failed_ && head_done_ && body_.done() && !body_.until_close() && conn_.head_.keep_alive();
}

}  // namespace sluice::http
