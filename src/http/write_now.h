#pragma once
// Writes without an asynchronous operation when the socket takes everything at once, which it
// nearly always does (a response or request of a few KB, an SSE burst). An async_write makes the
// same send() call first anyway, but then posts its completion through the scheduler and resumes
// the coroutine from there: about a thousand instructions per write for nothing.
#include <array>
#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cstddef>

namespace sluice::http {

// Sends what `socket` (in non-blocking mode) takes now and advances `buffers` past it. True when
// the write is over: all sent, or failed (`ec`). False: the rest waits for an async_write.
template <size_t N>
bool WriteNow(boost::asio::ip::tcp::socket& socket,
              std::array<boost::asio::const_buffer, N>& buffers, boost::system::error_code& ec) {
  size_t sent = socket.write_some(buffers, ec);
  if (ec == boost::asio::error::would_block || ec == boost::asio::error::try_again) {
    ec = {};
    sent = 0;
  }
  if (ec) return true;
  bool left = false;
  for (auto& b : buffers) {
    size_t take = std::min(sent, b.size());
    b += take;
    sent -= take;
    left = left || b.size() > 0;
  }
  return !left;
}

}  // namespace sluice::http
