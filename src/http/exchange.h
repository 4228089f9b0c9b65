#pragma once
// One HTTP/1.1 request/response on a client connection, as handlers see it. The request is fully
// read (headers and body) before a handler runs. The response is written by hand-built bytes (no
// Beast serializer on the hot path): either whole (Reply) or as a chunked stream (BeginStream,
// StreamChunk, EndStream), one socket write per call so SSE events leave as they arrive.
#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/watchdog.h"

namespace sluice::http {

using Clock = std::chrono::steady_clock;
using Request = boost::beast::http::request<boost::beast::http::string_body>;

struct HeaderLine {
  std::string_view name;
  std::string value;
};
inline const std::vector<HeaderLine> kNoHeaders;

class Exchange {
 public:
  // `draining` (may be null) is read when the response head is written: a drain that began while
  // the request was in flight still tells the client to close. Writes must finish within
  // `write_timeout`, timed by the connection's `watchdog`. The response head is built in
  // `head_storage`, which the session keeps across requests (no allocation per response).
  Exchange(boost::beast::tcp_stream& stream, OperationWatchdog& watchdog, Request& request,
           std::string& head_storage, std::chrono::milliseconds write_timeout, bool keep_alive,
           const bool* draining = nullptr)
      : stream_(stream),
        watchdog_(watchdog),
        request_(request),
        head_(head_storage),
        write_timeout_(write_timeout),
        keep_alive_(keep_alive),
        draining_(draining),
        started_at_(Clock::now()) {}

  const Request& request() const { return request_; }
  boost::beast::tcp_stream& stream() { return stream_; }
  Request& mutable_request() { return request_; }
  Clock::time_point started_at() const { return started_at_; }

  // False closes the connection after this response.
  bool keep_alive() const { return keep_alive_; }
  void set_keep_alive(bool v) { keep_alive_ = v; }

  bool response_started() const { return response_started_; }
  // Written as soon as the response starts: the first byte the client receives.
  Clock::time_point first_byte_at() const { return first_byte_at_; }

  // Each returns false when the client connection failed (the caller stops writing).
  boost::asio::awaitable<bool> Reply(int status, std::string_view content_type,
                                     std::string_view body, const std::vector<HeaderLine>& headers);
  // Prepares a chunked response; its head leaves with the first chunk (one write, and a failure
  // before any chunk can still become a plain error response).
  void BeginStream(int status, std::string_view content_type,
                   const std::vector<HeaderLine>& headers);
  // `last`: the stream's terminator goes out in the same write (EndStream is then a no-op).
  boost::asio::awaitable<bool> StreamChunk(std::string_view data, bool last = false);
  boost::asio::awaitable<bool> EndStream();

 private:
  void AppendHead(std::string& out, int status, std::string_view content_type,
                  const std::vector<HeaderLine>& headers);

  boost::beast::tcp_stream& stream_;
  OperationWatchdog& watchdog_;
  Request& request_;
  std::string& head_;
  std::chrono::milliseconds write_timeout_;
  bool keep_alive_;
  const bool* draining_;
  bool response_started_ = false;  // bytes have gone to the client
  bool head_pending_ = false;      // BeginStream called, head not yet written
  bool stream_ended_ = false;      // the terminating chunk was written
  Clock::time_point started_at_;
  Clock::time_point first_byte_at_{};
};

// Reason phrase for a status code ("OK", "Not Found", ...).
std::string_view StatusReason(int status);

}  // namespace sluice::http
