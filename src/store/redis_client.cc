#include "store/redis_client.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

namespace sluice::store {

namespace asio = boost::asio;
using asio::awaitable;
using asio::ip::tcp;

namespace {
constexpr std::chrono::milliseconds kFirstBackoff{100};
constexpr std::chrono::milliseconds kMaxBackoff{2000};
constexpr auto kAwait = asio::as_tuple(asio::use_awaitable);
}  // namespace

RedisClient::RedisClient(asio::any_io_executor executor, RedisEndpoint endpoint)
    : executor_(std::move(executor)), endpoint_(std::move(endpoint)) {}

RedisClient::~RedisClient() {
  boost::system::error_code ignored;
  if (conn_) conn_->socket.close(ignored);
}

awaitable<RedisResult> RedisClient::Call(std::vector<std::string> args) {
  auto self = shared_from_this();  // pending calls keep the client alive across a reload
  if (state_ == State::kDown && std::chrono::steady_clock::now() < retry_at_)
    co_return RedisResult{false, {}, down_reason_};
  auto pending = std::make_shared<Pending>(executor_);
  pending->timer.expires_after(endpoint_.timeout);
  AppendCommand(out_, args);
  pending_.push_back(pending);
  if (state_ == State::kDown) {
    state_ = State::kConnecting;
    asio::co_spawn(executor_, Connect(self), asio::detached);
  } else {
    StartWriting();
  }
  co_await pending->timer.async_wait(kAwait);
  if (!pending->done)
    Drop("no reply from " + endpoint_.host + ":" + std::to_string(endpoint_.port) + " within " +
         std::to_string(endpoint_.timeout.count()) + " ms");
  co_return std::move(pending->result);
}

awaitable<RedisResult> RedisClient::Eval(const RedisScript* script,
                                         std::vector<std::string> keys_and_args, size_t nkeys) {
  std::vector<std::string> args;
  args.reserve(keys_and_args.size() + 3);
  args.push_back("EVALSHA");
  args.push_back(script->sha1);
  args.push_back(std::to_string(nkeys));
  for (auto& a : keys_and_args) args.push_back(std::move(a));
  RedisResult result = co_await Call(args);
  // A server that restarted (or never saw the script) says NOSCRIPT: send the source once.
  if (result.ok && result.reply.is_error() && result.reply.str.starts_with("NOSCRIPT")) {
    args[0] = "EVAL";
    args[1] = script->source;
    result = co_await Call(std::move(args));
  }
  co_return result;
}

awaitable<void> RedisClient::Connect(std::shared_ptr<RedisClient> self) {
  auto conn = std::make_shared<Connection>(executor_);
  conn_ = conn;
  std::string where = endpoint_.host + ":" + std::to_string(endpoint_.port);
  tcp::resolver resolver(executor_);
  auto [resolve_error, addresses] =
      co_await resolver.async_resolve(endpoint_.host, std::to_string(endpoint_.port), kAwait);
  if (conn_ != conn) co_return;  // dropped meanwhile (every command timed out)
  if (resolve_error) {
    Drop("cannot resolve " + endpoint_.host + ": " + resolve_error.message());
    co_return;
  }
  auto [connect_error, ignored_endpoint] =
      co_await asio::async_connect(conn->socket, addresses, kAwait);
  if (conn_ != conn) co_return;
  if (connect_error) {
    Drop("cannot connect to " + where + ": " + connect_error.message());
    co_return;
  }
  boost::system::error_code ignored;
  conn->socket.set_option(tcp::no_delay(true), ignored);
  // AUTH and SELECT go first, pipelined with the commands already waiting; an error reply to
  // either drops the connection (Deliver).
  std::string setup;
  std::vector<std::shared_ptr<Pending>> setup_pending;
  if (!endpoint_.password.empty()) {
    std::vector<std::string> auth{"AUTH"};
    if (!endpoint_.username.empty()) auth.push_back(endpoint_.username);
    auth.push_back(endpoint_.password);
    AppendCommand(setup, auth);
    setup_pending.push_back(std::make_shared<Pending>(executor_));
  }
  if (endpoint_.db != 0) {
    std::vector<std::string> select{"SELECT", std::to_string(endpoint_.db)};
    AppendCommand(setup, select);
    setup_pending.push_back(std::make_shared<Pending>(executor_));
  }
  for (auto& p : setup_pending) p->setup = true;
  out_.insert(0, setup);
  pending_.insert(pending_.begin(), setup_pending.begin(), setup_pending.end());
  state_ = State::kReady;
  backoff_ = kFirstBackoff;
  SetUp(true, "connected to " + where);
  asio::co_spawn(executor_, Read(self, conn), asio::detached);
  StartWriting();
}

void RedisClient::StartWriting() {
  if (writing_ || out_.empty() || state_ != State::kReady) return;
  writing_ = true;
  asio::co_spawn(executor_, Write(shared_from_this(), conn_), asio::detached);
}

// `keep_alive`: the coroutine frame holds the client while it runs.
awaitable<void> RedisClient::Write(std::shared_ptr<RedisClient> /*keep_alive*/,
                                   std::shared_ptr<Connection> conn) {
  std::string sending;
  while (conn_ == conn && !out_.empty()) {
    sending.clear();
    std::swap(sending, out_);  // everything queued so far goes out in one write
    auto [error, written] = co_await asio::async_write(conn->socket, asio::buffer(sending), kAwait);
    if (conn_ != conn) co_return;  // dropped meanwhile: the new connection has its own writer
    if (error) {
      Drop("write to Redis failed: " + error.message());
      co_return;
    }
  }
  if (conn_ == conn) writing_ = false;
}

awaitable<void> RedisClient::Read(std::shared_ptr<RedisClient> /*keep_alive*/,
                                  std::shared_ptr<Connection> conn) {
  char buffer[16 * 1024];
  for (;;) {
    auto [error, n] = co_await conn->socket.async_read_some(asio::buffer(buffer), kAwait);
    if (conn_ != conn) co_return;
    if (error) {
      Drop(error == asio::error::eof ? "Redis closed the connection"
                                     : "read from Redis failed: " + error.message());
      co_return;
    }
    conn->reader.Feed(std::string_view(buffer, n));
    RedisReply reply;
    for (;;) {
      auto status = conn->reader.Next(reply);
      if (status == RespReader::Status::kNeedMore) break;
      if (status == RespReader::Status::kProtocolError) {
        Drop("Redis sent a malformed reply");
        co_return;
      }
      Deliver(std::move(reply));
      if (conn_ != conn) co_return;  // a refused AUTH/SELECT dropped it
    }
    if (draining_ && pending_.empty()) {
      CloseIdle();
      co_return;
    }
  }
}

void RedisClient::Deliver(RedisReply reply) {
  if (pending_.empty()) {
    Drop("Redis sent a reply to no command");
    return;
  }
  auto p = std::move(pending_.front());
  pending_.pop_front();
  if (p->setup && reply.is_error()) {
    Drop("Redis refused the connection set-up (AUTH/SELECT): " + reply.str);
    return;
  }
  p->done = true;
  p->result = RedisResult{true, std::move(reply), {}};
  p->timer.cancel();
}

void RedisClient::Drop(const std::string& why) {
  Disconnect();
  out_.clear();
  auto failed = std::move(pending_);
  pending_.clear();
  for (auto& p : failed) {
    if (p->done) continue;
    p->done = true;
    p->result = RedisResult{false, {}, why};
    p->timer.cancel();
  }
  retry_at_ = std::chrono::steady_clock::now() + backoff_;
  backoff_ = std::min(backoff_ * 2, kMaxBackoff);
  down_reason_ = "Redis unavailable: " + why;
  SetUp(false, why);
}

void RedisClient::Drain() {
  draining_ = true;
  if (state_ == State::kReady && pending_.empty()) CloseIdle();
}

void RedisClient::Disconnect() {
  if (conn_) {
    boost::system::error_code ignored;
    conn_->socket.close(ignored);
    conn_.reset();
  }
  state_ = State::kDown;
  writing_ = false;
}

void RedisClient::CloseIdle() {
  // Quietly: a drain is not an outage, and the next command reconnects at once.
  Disconnect();
  retry_at_ = {};
}

void RedisClient::SetUp(bool up, const std::string& why) {
  if (reported_ == int(up)) return;
  reported_ = int(up);
  if (on_state_change) on_state_change(up, why);
}

}  // namespace sluice::store
