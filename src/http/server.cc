#include "http/server.h"

#include <algorithm>
#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <charconv>
#include <optional>

#include "api/anthropic_messages.h"
#include "api/openai_errors.h"
#include "http/request_fast_path.h"
#include "http/write_now.h"

namespace sluice::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using boost::asio::awaitable;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

std::string_view StatusReason(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 413:
      return "Payload Too Large";
    case 422:
      return "Unprocessable Entity";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return status < 400 ? "OK" : "Error";
  }
}

namespace {

void AppendDecimal(std::string& out, uint64_t value) {
  char digits[20];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, value);
  out.append(digits, static_cast<size_t>(end - digits));
}

}  // namespace

void Exchange::AppendHead(std::string& out, int status, std::string_view content_type,
                          const std::vector<HeaderLine>& headers) {
  out.append("HTTP/1.1 ");
  AppendDecimal(out, static_cast<uint64_t>(status));
  out.append(" ").append(StatusReason(status));
  out.append("\r\ncontent-type: ").append(content_type).append("\r\n");
  for (const auto& h : headers) out.append(h.name).append(": ").append(h.value).append("\r\n");
  if (draining_ && *draining_) keep_alive_ = false;
  if (!keep_alive_) out.append("connection: close\r\n");
}

awaitable<bool> Exchange::Reply(int status, std::string_view content_type, std::string_view body,
                                const std::vector<HeaderLine>& headers) {
  head_.clear();
  AppendHead(head_, status, content_type, headers);
  head_.append("content-length: ");
  AppendDecimal(head_, body.size());
  head_.append("\r\n\r\n");
  response_started_ = true;
  first_byte_at_ = Clock::now();
  std::array<asio::const_buffer, 2> buffers{asio::buffer(head_), asio::buffer(body)};
  beast::error_code ec;
  if (!WriteNow(stream_.socket(), buffers, ec)) {
    watchdog_.Begin(first_byte_at_ + write_timeout_);  // one clock read for both
    size_t n = 0;
    std::tie(ec, n) = co_await asio::async_write(stream_.socket(), buffers, kTuple);
    if (watchdog_.End()) ec = beast::error::timeout;
  }
  if (ec) keep_alive_ = false;
  co_return !ec;
}

void Exchange::BeginStream(int status, std::string_view content_type,
                           const std::vector<HeaderLine>& headers) {
  head_.clear();
  AppendHead(head_, status, content_type, headers);
  head_.append("cache-control: no-cache\r\ntransfer-encoding: chunked\r\n\r\n");
  head_pending_ = true;
}

awaitable<bool> Exchange::StreamChunk(std::string_view data, bool last) {
  char size_line[20];
  size_t size_len = 0;
  if (!data.empty()) {  // an empty chunk would end the stream
    auto [end, _] = std::to_chars(size_line, size_line + 16, data.size(), 16);
    *end++ = '\r';
    *end++ = '\n';
    size_len = static_cast<size_t>(end - size_line);
  }
  std::array<asio::const_buffer, 5> buffers{
      asio::buffer(head_pending_ ? std::string_view(head_) : std::string_view()),
      asio::buffer(size_line, size_len), asio::buffer(data),
      asio::buffer("\r\n", data.empty() ? 0 : 2), asio::buffer("0\r\n\r\n", last ? 5 : 0)};
  stream_ended_ = last;
  if (!response_started_) {
    response_started_ = true;
    first_byte_at_ = Clock::now();
  }
  head_pending_ = false;
  beast::error_code ec;
  if (!WriteNow(stream_.socket(), buffers, ec)) {
    watchdog_.Begin(Clock::now() + write_timeout_);
    size_t n = 0;
    std::tie(ec, n) = co_await asio::async_write(stream_.socket(), buffers, kTuple);
    if (watchdog_.End()) ec = beast::error::timeout;
  }
  if (ec) keep_alive_ = false;
  co_return !ec;
}

awaitable<bool> Exchange::EndStream() {
  if (stream_ended_) co_return true;
  co_return co_await StreamChunk({}, /*last=*/true);
}

std::list<SessionRegistry::Entry>::iterator SessionRegistry::Add(beast::tcp_stream* stream) {
  return entries_.insert(entries_.end(), Entry{stream, true});
}

void SessionRegistry::Drain() {
  draining_ = true;
  for (auto& e : entries_)
    if (e.idle) e.stream->cancel();
}

namespace {

// Answers a request that failed at the HTTP layer and closes the connection.
awaitable<void> ReplyProtocolError(beast::tcp_stream& stream, OperationWatchdog& watchdog,
                                   SessionEnvironment& env, const core::GatewayError& error,
                                   bool anthropic) {
  std::string request_id =
      env.OnProtocolError(error.http_status(), core::ErrorCodeName(error.code));
  std::vector<HeaderLine> headers{{"x-sluice-request-id", request_id}};
  std::string body = anthropic ? api::RenderAnthropicError(error) : api::RenderOpenAiError(error);
  Request dummy;
  std::string head;
  Exchange exchange(stream, watchdog, dummy, head, std::chrono::seconds(5), /*keep_alive=*/false);
  co_await exchange.Reply(error.http_status(), "application/json", body, headers);
}

// Reads the request head (or, with `whole`, the rest of the request) into `parser`: what
// Beast's async_read_header/async_read do, with the same parser and errors, but one socket read
// per wait and no composed operation (those cost a post through the scheduler per call, even
// when the body came with the head).
awaitable<beast::error_code> ReadRequest(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                                         bhttp::request_parser<bhttp::string_body>& parser,
                                         bool whole) {
  parser.eager(whole);
  beast::error_code ec;
  for (;;) {
    if (whole ? parser.is_done() : parser.is_header_done()) co_return ec;
    if (buffer.size() > 0) {
      buffer.consume(parser.put(buffer.data(), ec));
      if (ec != bhttp::error::need_more) {
        if (ec) co_return ec;
        continue;
      }
      ec = {};
    }
    size_t room = std::clamp<size_t>(buffer.capacity() - buffer.size(), 512, 65536);
    if (buffer.size() == buffer.max_size()) co_return bhttp::error::buffer_overflow;
    auto [rec, n] = co_await stream.socket().async_read_some(buffer.prepare(room), kTuple);
    buffer.commit(n);
    if (rec == asio::error::eof) {
      if (!parser.got_some()) co_return bhttp::error::end_of_stream;
      parser.put_eof(ec);
      if (!ec && !(whole ? parser.is_done() : parser.is_header_done()))
        ec = bhttp::error::partial_message;
      co_return ec;
    }
    if (rec) co_return rec;
  }
}

std::string_view BufferedText(const beast::flat_buffer& buffer) {
  auto data = buffer.data();
  return {static_cast<const char*>(data.data()), data.size()};
}

struct RegistryGuard {
  SessionRegistry& registry;
  std::list<SessionRegistry::Entry>::iterator it;
  SessionEnvironment& env;
  ~RegistryGuard() {
    registry.Remove(it);
    env.OnConnectionClose();
  }
};

}  // namespace

awaitable<void> RunSession(asio::ip::tcp::socket socket, SessionEnvironment& env) {
  socket.set_option(asio::ip::tcp::no_delay(true));
  socket.non_blocking(true);  // for WriteNow; asynchronous operations are unaffected
  beast::tcp_stream stream(std::move(socket));
  SessionRegistry& registry = env.registry();
  env.OnConnectionOpen();
  RegistryGuard guard{registry, registry.Add(&stream), env};
  OperationWatchdog watchdog(stream);  // idle, request and write timeouts
  beast::flat_buffer buffer;
  buffer.reserve(8 * 1024);  // Beast reads only as much as the spare capacity: one read per request
  std::string response_head;  // each response's head is built here, in storage kept across requests
  try {
    while (!registry.draining()) {
      const SessionLimits limits = env.limits();
      guard.it->idle = true;
      watchdog.Begin(Clock::now() + limits.idle_timeout);
      beast::error_code ec;
      if (buffer.size() == 0) {
        size_t room = std::clamp<size_t>(buffer.capacity() - buffer.size(), 512, 65536);
        auto [rec, n] = co_await stream.socket().async_read_some(buffer.prepare(room), kTuple);
        buffer.commit(n);
        ec = rec == asio::error::eof ? beast::error_code(bhttp::error::end_of_stream) : rec;
      }
      // The usual request came whole with that read: taken in one pass. Anything else goes to
      // Beast's parser, from the first byte.
      Request request;
      size_t used = 0;
      bool fast = !ec && ParseSimpleRequest(BufferedText(buffer), limits.max_header_bytes,
                                            limits.max_body_bytes, request, used);
      std::optional<bhttp::request_parser<bhttp::string_body>> parser;
      if (fast) {
        buffer.consume(used);
      } else if (!ec) {
        parser.emplace();
        parser->header_limit(limits.max_header_bytes);
        parser->body_limit(limits.max_body_bytes);
        ec = co_await ReadRequest(stream, buffer, *parser, /*whole=*/false);
      }
      if (watchdog.End()) ec = beast::error::timeout;
      guard.it->idle = false;
      if (!ec && !fast) {
        const auto& req = parser->get();
        if (beast::iequals(req[bhttp::field::expect], "100-continue")) {
          watchdog.Begin(Clock::now() + limits.request_timeout);
          co_await asio::async_write(stream, asio::buffer("HTTP/1.1 100 Continue\r\n\r\n", 25),
                                     kTuple);
          watchdog.End();  // a failed write shows in the read that follows
        }
        watchdog.Begin(Clock::now() + limits.request_timeout);
        ec = co_await ReadRequest(stream, buffer, *parser, /*whole=*/true);
        if (watchdog.End()) ec = beast::error::timeout;
      }
      if (ec) {
        // GatewayError is built as a named local: GCC 12 may destroy a class prvalue passed to a
        // coroutine twice (PR 99576), so no co_await below takes a temporary of class type.
        std::optional<core::GatewayError> error;
        if (ec == bhttp::error::body_limit) {
          error.emplace(core::ErrorCode::kCallerBodyTooLarge,
                        "request body exceeds the limit of " +
                            std::to_string(limits.max_body_bytes) + " bytes");
        } else if (ec == bhttp::error::header_limit) {
          error.emplace(core::ErrorCode::kCallerHeadersTooLarge,
                        "request headers exceed the limit of " +
                            std::to_string(limits.max_header_bytes) + " bytes");
        } else if (ec == beast::error::timeout &&
                   ((parser && parser->got_some()) || buffer.size() > 0)) {
          error.emplace(core::ErrorCode::kCallerTimeout, "request was not received in time");
        } else if (ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category() &&
                   ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message) {
          error.emplace(core::ErrorCode::kCallerInvalidRequest,
                        "malformed HTTP request: " + ec.message());
        }
        // The head may have been read: answer in the dialect of the path it named.
        bool anthropic = parser && parser->is_header_done() &&
                         parser->get().target().starts_with("/v1/messages");
        if (error) co_await ReplyProtocolError(stream, watchdog, env, *error, anthropic);
        break;  // closed, reset, idle timeout, drain: nothing to answer
      }

      if (!fast) request = parser->release();
      bool keep_alive = request.keep_alive() && !registry.draining();
      Exchange exchange(stream, watchdog, request, response_head, limits.idle_timeout, keep_alive,
                        &registry.draining_flag());
      co_await env.handler().Handle(exchange);
      if (!exchange.keep_alive()) break;
    }
  } catch (const std::exception&) {
    // Backstop: a handler bug must cost one connection, never the process.
    env.OnProtocolError(500, "gateway_internal");
  }
  beast::error_code ignored;
  stream.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
  stream.close();
}

awaitable<void> AcceptLoop(asio::ip::tcp::acceptor& acceptor, SessionEnvironment& env) {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(kTuple);
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
      // EMFILE and the like: keep serving the connections we have, retry shortly (not in a spin).
      asio::steady_timer pause(acceptor.get_executor(), std::chrono::milliseconds(50));
      co_await pause.async_wait(kTuple);
      continue;
    }
    asio::co_spawn(acceptor.get_executor(), RunSession(std::move(socket), env), asio::detached);
  }
}

}  // namespace sluice::http
