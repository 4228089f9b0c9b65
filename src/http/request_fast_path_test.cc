#include "http/request_fast_path.h"

#include <gtest/gtest.h>

#include <boost/beast/http/parser.hpp>
#include <string>
#include <vector>

namespace sluice::http {
namespace {

namespace bhttp = boost::beast::http;

constexpr uint32_t kHeaderLimit = 16 * 1024;
constexpr uint64_t kBodyLimit = 1024;

// What Beast's parser makes of the same bytes, given at once: the message and the bytes used,
// or nothing if it fails or wants more.
bool BeastParse(std::string_view in, Request& out, size_t& used) {
  bhttp::request_parser<bhttp::string_body> parser;
  parser.header_limit(kHeaderLimit);
  parser.body_limit(kBodyLimit);
  parser.eager(true);
  boost::beast::error_code ec;
  used = parser.put(boost::asio::buffer(in.data(), in.size()), ec);
  if (ec || !parser.is_done()) return false;
  out = parser.release();
  return true;
}

std::vector<std::pair<std::string, std::string>> Fields(const Request& r) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& f : r)
    out.emplace_back(std::string(f.name_string()) + "#" + std::to_string(int(f.name())),
                     std::string(f.value()));
  return out;
}

// The fast path either declines or agrees with Beast on everything a handler can see.
void ExpectSameAsBeast(const std::string& wire, bool fast_expected) {
  Request fast;
  size_t fast_used = 0;
  bool took = ParseSimpleRequest(wire, kHeaderLimit, kBodyLimit, fast, fast_used);
  EXPECT_EQ(took, fast_expected) << wire;
  if (!took) {
    EXPECT_EQ(fast_used, 0u);
    return;
  }
  Request beast;
  size_t beast_used = 0;
  ASSERT_TRUE(BeastParse(wire, beast, beast_used)) << wire;
  EXPECT_EQ(fast_used, beast_used) << wire;
  EXPECT_EQ(fast.method(), beast.method()) << wire;
  EXPECT_EQ(fast.method_string(), beast.method_string()) << wire;
  EXPECT_EQ(fast.target(), beast.target()) << wire;
  EXPECT_EQ(fast.version(), beast.version()) << wire;
  EXPECT_EQ(Fields(fast), Fields(beast)) << wire;
  EXPECT_EQ(fast.body(), beast.body()) << wire;
  EXPECT_EQ(fast.keep_alive(), beast.keep_alive()) << wire;
}

TEST(RequestFastPath, TakesPlainRequestsAsBeastWould) {
  ExpectSameAsBeast(
      "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nAccept-Encoding: identity\r\n"
      "Content-Length: 11\r\ncontent-type: application/json\r\n\r\n{\"model\":1}",
      true);
  ExpectSameAsBeast("GET /v1/models?x=1 HTTP/1.1\r\nHost: a\r\n\r\n", true);
  ExpectSameAsBeast("GET / HTTP/1.0\r\n\r\n", true);
  ExpectSameAsBeast("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", true);
  ExpectSameAsBeast("GET / HTTP/1.1\r\nconnection: close\r\n\r\n", true);
  ExpectSameAsBeast("BREW /pot HTTP/1.1\r\nX-Empty:\r\nX-Spaces: \t a  b \t\r\n\r\n", true);
  ExpectSameAsBeast("POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n", true);
  ExpectSameAsBeast("POST / HTTP/1.1\r\nA: 1\r\na: 2\r\nB: 3\r\nA: 4\r\n\r\n", true);
}

TEST(RequestFastPath, LeavesWhatFollowsTheRequest) {
  std::string first = "POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc";
  std::string wire = first + "GET / HTTP/1.1\r\n\r\n";
  Request r;
  size_t used = 0;
  ASSERT_TRUE(ParseSimpleRequest(wire, kHeaderLimit, kBodyLimit, r, used));
  EXPECT_EQ(used, first.size());
  EXPECT_EQ(r.body(), "abc");
  ExpectSameAsBeast(wire, true);
}

TEST(RequestFastPath, DeclinesEverythingElse) {
  for (const char* wire : {
           "POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nab",    // body not all there
           "POST / HTTP/1.1\r\nContent-Length: 5\r\n",          // head not all there
           "POST / HTTP/1.1\r\nContent-Length: 2000\r\n\r\n",   // over the body limit
           "POST / HTTP/1.1\r\nContent-Length: 1, 1\r\n\r\na",  // a list
           "POST / HTTP/1.1\r\nContent-Length: +1\r\n\r\na",    // not plain digits
           "POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\na",  // twice
           "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
           "POST / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\na",
           "GET / HTTP/1.1\r\nUpgrade: websocket\r\n\r\n",
           "GET / HTTP/1.1\r\nConnection: keep-alive, Upgrade\r\n\r\n",
           "GET / HTTP/1.1\r\nProxy-Connection: close\r\n\r\n",
           "GET / HTTP/1.1\r\nA: 1\r\n folded\r\n\r\n",  // obs-fold
           "GET / HTTP/1.1\r\nA: caf\xc3\xa9\r\n\r\n",   // obs-text
           "GET / HTTP/1.1\r\nA: x\x01y\r\n\r\n",        // control character
           "GET / HTTP/1.1\r\nBad Name: x\r\n\r\n",
           "GET / HTTP/1.1\r\nName : x\r\n\r\n",
           "GET / HTTP/1.1\r\n: x\r\n\r\n",
           "GET / HTTP/1.1\r\nA: x\ny\r\n\r\n",  // bare LF
           "GET / HTTP/1.1\nA: x\r\n\r\n",       // bare LF
           "GET  / HTTP/1.1\r\n\r\n",            // empty target
           "GET / HTTP/1.2\r\n\r\n",             // version
           "GET / HTTP/2.0\r\n\r\n",
           "GET / http/1.1\r\n\r\n",
           "GET /\r\n\r\n",
           "G(T / HTTP/1.1\r\n\r\n",  // method not a token
           "\r\n\r\n",
       }) {
    ExpectSameAsBeast(wire, false);
  }
}

TEST(RequestFastPath, DeclinesHeadsNearTheHeaderLimit) {
  std::string wire = "GET / HTTP/1.1\r\nA: " + std::string(kHeaderLimit, 'x') + "\r\n\r\n";
  ExpectSameAsBeast(wire, false);
  std::string many = "GET / HTTP/1.1\r\n";
  for (int i = 0; i < 40; ++i) many += "F" + std::to_string(i) + ": v\r\n";
  ExpectSameAsBeast(many + "\r\n", false);  // more fields than the path holds: Beast takes them
}

}  // namespace
}  // namespace sluice::http
