#include "providers/bedrock/sigv4.h"

#include <gtest/gtest.h>

// Expected values are copied from AWS's published Signature Version 4 test suite (the v4/ cases as
// kept in awslabs/aws-c-auth tests/aws-signing-test-suite/v4/<case>/header-*.txt, originally
// docs.aws.amazon.com/general/latest/gr/signature-v4-test-suite.html) and from the IAM ListUsers
// example of the SigV4 documentation (sigv4-calculate-signature.html).

namespace sluice::providers::bedrock {
namespace {

using namespace std::chrono;

const SigV4Credentials kSuiteCredentials{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                                         ""};
constexpr std::string_view kSuiteDate = "20150830T123600Z";

system_clock::time_point SuiteTime() {
  return sys_days{year{2015} / August / 30} + hours{12} + minutes{36};
}

SigV4Request SuiteRequest(std::string method, std::string query = {}) {
  SigV4Request req;
  req.method = std::move(method);
  req.host = "example.amazonaws.com";
  req.path = "/";
  req.query = std::move(query);
  return req;
}

std::string Header(const SigV4Headers& headers, std::string_view name) {
  for (const auto& [n, v] : headers)
    if (n == name) return v;
  return "<absent>";
}

struct SuiteCase {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;
  std::string signed_headers;
};

// Checks every published step for one suite case.
void ExpectSuiteCase(const SigV4Request& req, const SigV4Credentials& creds,
                     const SuiteCase& want) {
  std::string signed_headers;
  std::string canonical = CanonicalRequest(req, kSuiteDate, creds.session_token, &signed_headers);
  EXPECT_EQ(canonical, want.canonical_request);
  EXPECT_EQ(signed_headers, want.signed_headers);
  std::string scope = CredentialScope("20150830", "us-east-1", "service");
  EXPECT_EQ(scope, "20150830/us-east-1/service/aws4_request");
  EXPECT_EQ(StringToSign(kSuiteDate, scope, canonical), want.string_to_sign);

  SigV4Headers added = SignV4(req, creds, "us-east-1", "service", SuiteTime());
  EXPECT_EQ(Header(added, "authorization"),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
            "SignedHeaders=" +
                want.signed_headers + ", Signature=" + want.signature);
  EXPECT_EQ(Header(added, "x-amz-date"), kSuiteDate);
}

TEST(SigV4, SuiteGetVanilla) {
  ExpectSuiteCase(
      SuiteRequest("GET"), kSuiteCredentials,
      {"GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
       "host;x-amz-date\n"
       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
       "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
       "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63",
       "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31", "host;x-amz-date"});
  SigV4Headers added =
      SignV4(SuiteRequest("GET"), kSuiteCredentials, "us-east-1", "service", SuiteTime());
  EXPECT_EQ(added.size(), 2u);  // no content sha, no token
}

TEST(SigV4, SuitePostVanilla) {
  ExpectSuiteCase(
      SuiteRequest("POST"), kSuiteCredentials,
      {"POST\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
       "host;x-amz-date\n"
       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
       "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
       "553f88c9e4d10fc9e109e2aeb65f030801b70c2f6468faca261d401ae622fc87",
       "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b", "host;x-amz-date"});
}

TEST(SigV4, SuiteGetVanillaQueryOrderKeyCase) {
  ExpectSuiteCase(
      SuiteRequest("GET", "Param2=value2&Param1=value1"), kSuiteCredentials,
      {"GET\n/\nParam1=value1&Param2=value2\nhost:example.amazonaws.com\n"
       "x-amz-date:20150830T123600Z\n\nhost;x-amz-date\n"
       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
       "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
       "816cd5b414d056048ba4f7c5386d6e0533120fb1fcfa93762cf0fc39e2cf19e0",
       "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500", "host;x-amz-date"});
}

TEST(SigV4, SuitePostVanillaQuery) {
  ExpectSuiteCase(
      SuiteRequest("POST", "Param1=value1"), kSuiteCredentials,
      {"POST\n/\nParam1=value1\nhost:example.amazonaws.com\n"
       "x-amz-date:20150830T123600Z\n\nhost;x-amz-date\n"
       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
       "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
       "9d659678c1756bb3113e2ce898845a0a79dbbc57b740555917687f1b3340fbbd",
       "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11", "host;x-amz-date"});
}

TEST(SigV4, SuiteGetVanillaQueryUnreserved) {
  const std::string unreserved =
      "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  ExpectSuiteCase(
      SuiteRequest("GET", unreserved + "=" + unreserved), kSuiteCredentials,
      {"GET\n/\n" + unreserved + "=" + unreserved +
           "\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
           "host;x-amz-date\n"
           "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
       "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
       "c30d4703d9f799439be92736156d47ccfb2d879ddf56f5befa6d1d6aab979177",
       "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197", "host;x-amz-date"});
}

TEST(SigV4, SuiteGetVanillaUtf8Query) {
  ExpectSuiteCase(
      SuiteRequest("GET", "\xE1\x88\xB4=bar"), kSuiteCredentials,
      {"GET\n/\n%E1%88%B4=bar\nhost:example.amazonaws.com\n"
       "x-amz-date:20150830T123600Z\n\nhost;x-amz-date\n"
       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
       "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
       "eb30c5bed55734080471a834cc727ae56beb50e5f39d1bff6d0d38cb192a7073",
       "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04", "host;x-amz-date"});
  // The same parameter arriving already percent-encoded signs identically.
  EXPECT_EQ(CanonicalQuery("%E1%88%B4=bar"), "%E1%88%B4=bar");
}

TEST(SigV4, SuiteGetHeaderValueTrim) {
  SigV4Request req = SuiteRequest("GET");
  req.headers = {{"My-Header1", " value1"}, {"My-Header2", "\"a   b   c\""}};
  ExpectSuiteCase(req, kSuiteCredentials,
                  {"GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value1\n"
                   "my-header2:\"a b c\"\nx-amz-date:20150830T123600Z\n\n"
                   "host;my-header1;my-header2;x-amz-date\n"
                   "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                   "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
                   "a726db9b0df21c14f559d0a978e563112acb1b9e05476f0a6a1c7d68f28605c7",
                   "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736",
                   "host;my-header1;my-header2;x-amz-date"});
}

TEST(SigV4, SuitePostXWwwFormUrlencoded) {
  SigV4Request req = SuiteRequest("POST");
  req.headers = {{"Content-Type", "application/x-www-form-urlencoded"}, {"Content-Length", "13"}};
  req.body = "Param1=value1";
  req.sign_content_sha256 = true;
  ExpectSuiteCase(req, kSuiteCredentials,
                  {"POST\n/\n\ncontent-length:13\ncontent-type:application/x-www-form-urlencoded\n"
                   "host:example.amazonaws.com\n"
                   "x-amz-content-sha256:"
                   "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e\n"
                   "x-amz-date:20150830T123600Z\n\n"
                   "content-length;content-type;host;x-amz-content-sha256;x-amz-date\n"
                   "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e",
                   "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
                   "b1edd1d03544c25390e32085d55b57acc9a3961bb59415ff86c45c3d89d16cfb",
                   "d3875051da38690788ef43de4db0d8f280229d82040bfac253562e56c3f20e0b",
                   "content-length;content-type;host;x-amz-content-sha256;x-amz-date"});
  SigV4Headers added = SignV4(req, kSuiteCredentials, "us-east-1", "service", SuiteTime());
  EXPECT_EQ(Header(added, "x-amz-content-sha256"),
            "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e");
}

TEST(SigV4, SuiteGetVanillaWithSessionToken) {
  SigV4Credentials creds = kSuiteCredentials;
  creds.session_token = "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267";
  ExpectSuiteCase(SuiteRequest("GET"), creds,
                  {"GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n"
                   "x-amz-security-token:"
                   "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267\n\n"
                   "host;x-amz-date;x-amz-security-token\n"
                   "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                   "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
                   "067b36aa60031588cea4a4cde1f21215227a047690c72247f1d70b32fbbfad2b",
                   "07ec1639c89043aa0e3e2de82b96708f198cceab042d4a97044c66dd9f74e7f8",
                   "host;x-amz-date;x-amz-security-token"});
  SigV4Headers added = SignV4(SuiteRequest("GET"), creds, "us-east-1", "service", SuiteTime());
  EXPECT_EQ(Header(added, "x-amz-security-token"), creds.session_token);
}

// The worked example of the SigV4 documentation: IAM ListUsers.
TEST(SigV4, DocumentationIamListUsers) {
  SigV4Request req;
  req.method = "GET";
  req.host = "iam.amazonaws.com";
  req.path = "/";
  req.query = "Action=ListUsers&Version=2010-05-08";
  req.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
  std::string canonical = CanonicalRequest(req, kSuiteDate, "");
  EXPECT_EQ(canonical,
            "GET\n/\nAction=ListUsers&Version=2010-05-08\n"
            "content-type:application/x-www-form-urlencoded; charset=utf-8\n"
            "host:iam.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
            "content-type;host;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(HexSha256(canonical),
            "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59");
  std::string key = SigningKey(kSuiteCredentials.secret_access_key, "20150830", "us-east-1", "iam");
  EXPECT_EQ(HexEncode(key), "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9");
  std::string to_sign =
      StringToSign(kSuiteDate, CredentialScope("20150830", "us-east-1", "iam"), canonical);
  EXPECT_EQ(HexEncode(HmacSha256(key, to_sign)),
            "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");
  SigV4Headers added = SignV4(req, kSuiteCredentials, "us-east-1", "iam", SuiteTime());
  EXPECT_EQ(Header(added, "authorization"),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, "
            "SignedHeaders=content-type;host;x-amz-date, "
            "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");
}

TEST(SigV4, BedrockConversePathIsDoubleEncoded) {
  SigV4Request req;
  req.method = "POST";
  req.host = "bedrock-runtime.us-east-1.amazonaws.com";
  req.path = "/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse";
  req.headers = {{"content-type", "application/json"}, {"accept", "application/json"}};
  req.body = R"({"messages":[]})";
  std::string signed_headers;
  std::string canonical = CanonicalRequest(req, kSuiteDate, "TOKEN", &signed_headers);
  EXPECT_EQ(canonical.substr(0, canonical.find('\n', 5) + 1),
            "POST\n/model/anthropic.claude-3-haiku-20240307-v1%253A0/converse\n");
  EXPECT_EQ(signed_headers, "accept;content-type;host;x-amz-date;x-amz-security-token");
  EXPECT_NE(canonical.find("\nhost:bedrock-runtime.us-east-1.amazonaws.com\n"), std::string::npos);
  EXPECT_EQ(canonical.substr(canonical.rfind('\n') + 1), HexSha256(req.body));

  req.double_encode_path = false;  // S3 style: the wire path is the canonical path
  EXPECT_NE(CanonicalRequest(req, kSuiteDate, "")
                .find("\n/model/anthropic.claude-3-haiku-"
                      "20240307-v1%3A0/converse\n"),
            std::string::npos);

  SigV4Credentials creds{"AKID", "SECRET", "TOKEN"};
  req.double_encode_path = true;
  SigV4Headers added = SignV4(req, creds, "us-east-1", "bedrock", SuiteTime());
  ASSERT_EQ(added.size(), 3u);
  EXPECT_EQ(added[0].first, "authorization");
  EXPECT_EQ(added[0].second.rfind("AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/bedrock/"
                                  "aws4_request, SignedHeaders=accept;content-type;host;"
                                  "x-amz-date;x-amz-security-token, Signature=",
                                  0),
            0u);
  EXPECT_EQ(added[1], (std::pair<std::string, std::string>{"x-amz-date", "20150830T123600Z"}));
  EXPECT_EQ(added[2], (std::pair<std::string, std::string>{"x-amz-security-token", "TOKEN"}));
}

TEST(SigV4, EncodingRules) {
  EXPECT_EQ(UriEncode("a b/c:d~e*", false), "a%20b/c%3Ad~e%2A");
  EXPECT_EQ(UriEncode("a/b", true), "a%2Fb");
  EXPECT_EQ(CanonicalQuery("b=2&a=1&a=0&c&d=x+y&e=%zz"), "a=0&a=1&b=2&c=&d=x%2By&e=%25zz");
  EXPECT_EQ(CanonicalQuery(""), "");
  EXPECT_EQ(CanonicalUri("", true), "/");
  EXPECT_EQ(AmzDate(SuiteTime()), "20150830T123600Z");
}

}  // namespace
}  // namespace sluice::providers::bedrock
