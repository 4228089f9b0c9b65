#include "http/write_now.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <string>

namespace sluice::http {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

struct SocketPair {
  asio::io_context io;
  tcp::socket writer{io}, reader{io};
  SocketPair() {
    tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    writer.connect(acceptor.local_endpoint());
    acceptor.accept(reader);
    writer.non_blocking(true);
    reader.non_blocking(true);
  }
  // Everything the reader can take now.
  std::string Drain() {
    std::string got;
    char buf[65536];
    boost::system::error_code ec;
    for (;;) {
      size_t n = reader.read_some(asio::buffer(buf), ec);
      if (ec) return got;
      got.append(buf, n);
    }
  }
};

TEST(WriteNow, SendsEverythingTheSocketTakes) {
  SocketPair p;
  std::string head = "HTTP/1.1 200 OK\r\n\r\n", body = "{\"ok\":true}";
  std::array<asio::const_buffer, 3> buffers{asio::buffer(head), asio::const_buffer(),
                                            asio::buffer(body)};
  boost::system::error_code ec;
  EXPECT_TRUE(WriteNow(p.writer, buffers, ec));
  EXPECT_FALSE(ec);
  EXPECT_EQ(p.Drain(), head + body);
}

TEST(WriteNow, LeavesWhatDidNotFitInTheBuffers) {
  SocketPair p;
  std::string a(3 << 20, 'a'), b(3 << 20, 'b');  // more than the socket buffers hold
  for (size_t i = 0; i < a.size(); i += 4096) a[i] = static_cast<char>('A' + i % 26);
  std::array<asio::const_buffer, 2> buffers{asio::buffer(a), asio::buffer(b)};
  boost::system::error_code ec;
  EXPECT_FALSE(WriteNow(p.writer, buffers, ec));
  EXPECT_FALSE(ec);
  // The socket is full now: nothing sent, nothing advanced, no error.
  std::string c = "c";
  std::array<asio::const_buffer, 1> more{asio::buffer(c)};
  EXPECT_FALSE(WriteNow(p.writer, more, ec));
  EXPECT_FALSE(ec);
  EXPECT_EQ(more[0].size(), 1u);

  std::string rest = std::string(static_cast<const char*>(buffers[0].data()), buffers[0].size()) +
                     std::string(static_cast<const char*>(buffers[1].data()), buffers[1].size());
  ASSERT_LT(rest.size(), a.size() + b.size());
  // What was sent may still be on its way through the kernel: read exactly that much, blocking.
  std::string sent(a.size() + b.size() - rest.size(), '\0');
  p.reader.non_blocking(false);
  asio::read(p.reader, asio::buffer(sent));
  EXPECT_EQ(sent + rest, a + b);
}

TEST(WriteNow, ReportsAClosedPeer) {
  SocketPair p;
  p.reader.close();
  std::string data(1 << 20, 'x');
  boost::system::error_code ec;
  for (int i = 0; i < 20 && !ec; ++i) {
    std::array<asio::const_buffer, 1> buffers{asio::buffer(data)};
    WriteNow(p.writer, buffers, ec);
  }
  EXPECT_TRUE(ec);  // reset or broken pipe, and no SIGPIPE
}

}  // namespace
}  // namespace sluice::http
