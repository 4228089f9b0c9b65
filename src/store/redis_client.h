#pragma once
// A Redis connection owned by one worker (DESIGN.md §2: per-worker Redis connection). Commands are
// pipelined: whatever is asked while a write is in flight goes out together in the next write, and
// replies are matched to commands in order. A command with no answer within `timeout` fails and
// drops the connection (a hung server looks like a dead one). After a failure, commands fail at
// once until the next reconnect attempt (backoff 100 ms, doubling to 2 s), so an outage costs
// requests no waiting; the first command after the backoff reconnects.
// Used only on its worker's thread; hold it by shared_ptr (a pending call keeps it alive).
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "store/resp.h"

namespace sluice::store {

struct RedisEndpoint {
  std::string host = "127.0.0.1";
  uint16_t port = 6379;
  std::string username;  // ACL user (Redis 6+); empty: the default user
  std::string password;  // empty: no AUTH
  int db = 0;
  std::chrono::milliseconds timeout{50};  // per command, and for connecting
};

// A reply, or why there is none (the connection failed, timed out or is backing off).
struct RedisResult {
  bool ok = false;
  RedisReply reply;  // may itself be an error reply (ok is still true: the server answered)
  std::string error;
};

class RedisClient : public std::enable_shared_from_this<RedisClient> {
 public:
  RedisClient(boost::asio::any_io_executor executor, RedisEndpoint endpoint);
  ~RedisClient();

  boost::asio::awaitable<RedisResult> Call(std::vector<std::string> args);
  // EVALSHA script nkeys keys... args... (`keys_and_args` holds the keys first).
  boost::asio::awaitable<RedisResult> Eval(const RedisScript* script,
                                           std::vector<std::string> keys_and_args, size_t nkeys);

  // Closes the connection once no command is pending, so a draining worker's loop can end; later
  // commands still work (they reconnect).
  void Drain();
  bool connected() const { return state_ == State::kReady; }
  const RedisEndpoint& endpoint() const { return endpoint_; }
  // Called on every change between connected and not (for metrics and logs).
  std::function<void(bool up, const std::string& why)> on_state_change;

 private:
  enum class State { kDown, kConnecting, kReady };
  struct Pending {
    explicit Pending(const boost::asio::any_io_executor& ex) : timer(ex) {}
    boost::asio::steady_timer timer;
    bool done = false;
    bool setup = false;  // AUTH/SELECT sent on connecting, not a caller's command
    RedisResult result;
  };
  // One TCP connection; a dropped one is left to its coroutines, which notice and stop.
  struct Connection {
    explicit Connection(const boost::asio::any_io_executor& ex) : socket(ex) {}
    boost::asio::ip::tcp::socket socket;
    RespReader reader;
  };

  boost::asio::awaitable<void> Connect(std::shared_ptr<RedisClient> self);
  boost::asio::awaitable<void> Write(std::shared_ptr<RedisClient> self,
                                     std::shared_ptr<Connection> conn);
  boost::asio::awaitable<void> Read(std::shared_ptr<RedisClient> self,
                                    std::shared_ptr<Connection> conn);
  void StartWriting();
  void Deliver(RedisReply reply);
  // Fails every pending command with `why`, closes the connection and backs off.
  void Drop(const std::string& why);
  // Closes the connection (its coroutines notice and stop); no command may be pending for it.
  void Disconnect();
  // Disconnect with nothing pending, without backing off (draining).
  void CloseIdle();
  void SetUp(bool up, const std::string& why);

  boost::asio::any_io_executor executor_;
  RedisEndpoint endpoint_;
  State state_ = State::kDown;
  int reported_ = -1;  // last state told to on_state_change: -1 none yet, 0 down, 1 up
  bool writing_ = false;
  bool draining_ = false;
  std::shared_ptr<Connection> conn_;
  std::string out_;  // encoded commands not yet written
  std::deque<std::shared_ptr<Pending>> pending_;  // in the order their replies will come
  std::chrono::steady_clock::time_point retry_at_{};
  std::chrono::milliseconds backoff_{100};
  std::string down_reason_;
};

}  // namespace sluice::store
