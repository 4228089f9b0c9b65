#pragma once
// HTTP/1.1 server sessions: keep-alive, header and body limits, read and idle timeouts, graceful
// drain. Protocol errors (bad framing, limits, timeouts) are answered here in the OpenAI error
// shape; everything else goes to a RequestHandler.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstdint>
#include <list>

#include "http/exchange.h"

namespace sluice::http {

class RequestHandler {
 public:
  virtual ~RequestHandler() = default;
  // Called on the session's worker thread with a fully read request. Must write a response (unless
  // the client is gone) and never throw for bad input: it renders errors itself.
  virtual boost::asio::awaitable<void> Handle(Exchange& exchange) = 0;
};

struct SessionLimits {
  uint64_t max_body_bytes;
  uint32_t max_header_bytes;
  std::chrono::milliseconds request_timeout;
  std::chrono::milliseconds idle_timeout;
};

// Per-listener set of live sessions, owned by one thread. Lets a drain close idle keep-alive
// connections at once and lets busy ones finish their request first.
class SessionRegistry {
 public:
  struct Entry {
    boost::beast::tcp_stream* stream;
    bool idle;
  };
  std::list<Entry>::iterator Add(boost::beast::tcp_stream* stream);
  void Remove(std::list<Entry>::iterator it) { entries_.erase(it); }
  // Stops accepting new requests: idle sessions are cancelled, busy ones close after responding.
  void Drain();
  bool draining() const { return draining_; }
  const bool& draining_flag() const { return draining_; }
  size_t size() const { return entries_.size(); }

 private:
  std::list<Entry> entries_;
  bool draining_ = false;
};

// Limits are read through the callback at every request so a config reload applies to live
// connections too.
class SessionEnvironment {
 public:
  virtual ~SessionEnvironment() = default;
  virtual SessionLimits limits() const = 0;
  virtual RequestHandler& handler() = 0;
  virtual SessionRegistry& registry() = 0;
  virtual void OnConnectionOpen() {}
  virtual void OnConnectionClose() {}
  // A request failed at the HTTP layer (413, 431, 400 framing, 408): counted and logged by the
  // owner, which returns the request id to send back (empty if it assigns none).
  virtual std::string OnProtocolError(int /*status*/, std::string_view /*code*/) { return {}; }
};

boost::asio::awaitable<void> RunSession(boost::asio::ip::tcp::socket socket,
                                        SessionEnvironment& env);

// Accepts until the acceptor is closed, spawning a session per connection on the same executor.
boost::asio::awaitable<void> AcceptLoop(boost::asio::ip::tcp::acceptor& acceptor,
                                        SessionEnvironment& env);

}  // namespace sluice::http
