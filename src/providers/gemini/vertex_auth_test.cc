#include "providers/gemini/vertex_auth.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <gtest/gtest.h>
#include <memory>

namespace sluice::providers::gemini {
namespace {

namespace json = boost::json;
using Clock = std::chrono::system_clock;

// Test-only decoder for base64url without padding.
std::string Base64UrlDecode(std::string_view in) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '-') return 62;
    if (c == '_') return 63;
    return -1;
  };
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    int v = value(c);
    EXPECT_GE(v, 0) << "not base64url: " << c;
    acc = acc << 6 | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>(acc >> bits & 0xFF);
    }
  }
  return out;
}

struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

std::string PrivatePem(EVP_PKEY* key) {
  BIO* bio = BIO_new(BIO_s_mem());
  EXPECT_EQ(PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr), 1);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<size_t>(len));
  BIO_free(bio);
  return pem;
}

bool Verify(EVP_PKEY* key, std::string_view input, std::string_view signature) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok = EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1 &&
            EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(signature.data()),
                             signature.size(),
                             reinterpret_cast<const unsigned char*>(input.data()),
                             input.size()) == 1;
  EVP_MD_CTX_free(ctx);
  return ok;
}

class VertexAuth : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { key_ = EVP_RSA_gen(2048); }
  static void TearDownTestSuite() { EVP_PKEY_free(key_); }

  static std::string KeyFile(std::string_view pem) {
    json::object file{{"type", "service_account"},
                      {"project_id", "demo-project"},
                      {"private_key_id", "kid-123"},
                      {"private_key", pem},
                      {"client_email", "gateway@demo-project.iam.gserviceaccount.com"},
                      {"client_id", "1234"},
                      {"token_uri", "https://oauth2.googleapis.com/token"}};
    return json::serialize(file);
  }

  static EVP_PKEY* key_;
};
EVP_PKEY* VertexAuth::key_ = nullptr;

TEST_F(VertexAuth, ParsesAServiceAccountKeyFile) {
  ASSERT_NE(key_, nullptr);
  ServiceAccount account;
  std::string error;
  ASSERT_TRUE(ParseServiceAccount(KeyFile(PrivatePem(key_)), account, error)) << error;
  EXPECT_EQ(account.client_email, "gateway@demo-project.iam.gserviceaccount.com");
  EXPECT_EQ(account.private_key_id, "kid-123");
  EXPECT_EQ(account.token_uri, "https://oauth2.googleapis.com/token");
  EXPECT_EQ(account.project_id, "demo-project");
  EXPECT_NE(account.private_key.find("-----BEGIN PRIVATE KEY-----\n"), std::string::npos);
}

TEST_F(VertexAuth, RejectsWhatIsNotAServiceAccount) {
  ServiceAccount account;
  std::string error;
  EXPECT_FALSE(ParseServiceAccount("not json", account, error));
  EXPECT_FALSE(ParseServiceAccount(R"({"type":"authorized_user","client_email":"a"})", account,
                                   error));
  EXPECT_FALSE(ParseServiceAccount(R"({"type":"service_account","private_key":"k"})", account,
                                   error));
  EXPECT_NE(error.find("client_email"), std::string::npos);
  EXPECT_FALSE(ParseServiceAccount(R"({"type":"service_account","client_email":"a"})", account,
                                   error));
  EXPECT_NE(error.find("private_key"), std::string::npos);
  ASSERT_TRUE(ParseServiceAccount(
      R"({"type":"service_account","client_email":"a@b","private_key":"k"})", account, error));
  EXPECT_EQ(account.token_uri, kDefaultTokenUri);
}

TEST_F(VertexAuth, BuildsASignedJwtAssertion) {
  ServiceAccount account;
  std::string error;
  ASSERT_TRUE(ParseServiceAccount(KeyFile(PrivatePem(key_)), account, error)) << error;
  Clock::time_point now{std::chrono::seconds(1'700'000'000)};
  std::string jwt = BuildJwtAssertion(account, kCloudPlatformScope, now, error);
  ASSERT_FALSE(jwt.empty()) << error;

  size_t dot1 = jwt.find('.');
  size_t dot2 = jwt.find('.', dot1 + 1);
  ASSERT_NE(dot2, std::string::npos);
  EXPECT_EQ(jwt.find('='), std::string::npos);  // no padding
  std::string_view view(jwt);
  json::value header = json::parse(Base64UrlDecode(view.substr(0, dot1)));
  json::value claims = json::parse(Base64UrlDecode(view.substr(dot1 + 1, dot2 - dot1 - 1)));
  EXPECT_EQ(header, json::parse(R"({"alg":"RS256","typ":"JWT","kid":"kid-123"})"));
  EXPECT_EQ(claims, json::parse(R"({"iss":"gateway@demo-project.iam.gserviceaccount.com",)"
                                R"("scope":"https://www.googleapis.com/auth/cloud-platform",)"
                                R"("aud":"https://oauth2.googleapis.com/token",)"
                                R"("iat":1700000000,"exp":1700003600})"));

  std::string signature = Base64UrlDecode(view.substr(dot2 + 1));
  EXPECT_EQ(signature.size(), 256u);  // RSA-2048
  EXPECT_TRUE(Verify(key_, view.substr(0, dot2), signature));
  std::string tampered(view.substr(0, dot2));
  tampered[3] ^= 1;
  EXPECT_FALSE(Verify(key_, tampered, signature));
  // Another key does not verify it either.
  Pkey other(EVP_RSA_gen(2048));
  EXPECT_FALSE(Verify(other.get(), view.substr(0, dot2), signature));

  std::string body = TokenRequestBody(jwt);
  EXPECT_EQ(body, "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=" +
                      jwt);
}

TEST_F(VertexAuth, BadKeysAreErrorsNotCrashes) {
  ServiceAccount account;
  account.client_email = "a@b";
  account.token_uri = std::string(kDefaultTokenUri);
  std::string error;
  Clock::time_point now{};
  const std::string truncated = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
  for (const std::string& pem : {std::string(), std::string("garbage"), truncated}) {
    account.private_key = pem;
    error.clear();
    EXPECT_TRUE(BuildJwtAssertion(account, kCloudPlatformScope, now, error).empty());
    EXPECT_FALSE(error.empty());
  }
  // A valid key of the wrong kind.
  Pkey ec(EVP_EC_gen("P-256"));
  ASSERT_TRUE(ec);
  account.private_key = PrivatePem(ec.get());
  EXPECT_TRUE(BuildJwtAssertion(account, kCloudPlatformScope, now, error).empty());
  EXPECT_NE(error.find("RSA"), std::string::npos);
}

TEST(VertexToken, ParsesTheTokenResponse) {
  Clock::time_point now{std::chrono::seconds(1000)};
  AccessToken token;
  std::string error;
  ASSERT_TRUE(ParseTokenResponse(
      R"({"access_token":"ya29.abc","expires_in":3599,"token_type":"Bearer"})", now, token, error))
      << error;
  EXPECT_EQ(token.token, "ya29.abc");
  EXPECT_EQ(token.type, "Bearer");
  EXPECT_EQ(token.expires_at, now + std::chrono::seconds(3599));

  EXPECT_FALSE(ParseTokenResponse("{", now, token, error));
  EXPECT_FALSE(ParseTokenResponse(R"({"expires_in":3599})", now, token, error));
  EXPECT_NE(error.find("access_token"), std::string::npos);
  EXPECT_FALSE(ParseTokenResponse(R"({"access_token":"x"})", now, token, error));
  EXPECT_NE(error.find("expires_in"), std::string::npos);
  EXPECT_FALSE(ParseTokenResponse(R"({"access_token":"x","expires_in":"3599"})", now, token,
                                  error));
  EXPECT_FALSE(ParseTokenResponse(R"({"access_token":"x","expires_in":-5})", now, token, error));
  EXPECT_FALSE(ParseTokenResponse(
      R"({"error":"invalid_grant","error_description":"Invalid JWT Signature."})", now, token,
      error));
  EXPECT_NE(error.find("Invalid JWT Signature."), std::string::npos);
}

TEST(VertexToken, CacheIsFreshUntilFiveMinutesBeforeExpiry) {
  Clock::time_point t0{std::chrono::seconds(50'000)};
  TokenCache cache;
  EXPECT_FALSE(cache.Fresh(t0));
  cache.Store({"tok", "Bearer", t0 + std::chrono::seconds(3600)});
  EXPECT_TRUE(cache.Fresh(t0));
  EXPECT_TRUE(cache.Fresh(t0 + std::chrono::seconds(3600 - 301)));
  EXPECT_FALSE(cache.Fresh(t0 + std::chrono::seconds(3600 - 300)));
  EXPECT_FALSE(cache.Fresh(t0 + std::chrono::seconds(4000)));
  EXPECT_EQ(cache.token().token, "tok");
  cache.Clear();
  EXPECT_FALSE(cache.Fresh(t0));
}

TEST(VertexPaths, VertexAndGemini) {
  EXPECT_EQ(VertexPath("my-proj", "us-central1", "gemini-2.5-flash", false),
            "/v1/projects/my-proj/locations/us-central1/publishers/google/models/"
            "gemini-2.5-flash:generateContent");
  EXPECT_EQ(VertexPath("my-proj", "global", "gemini-2.5-pro", true),
            "/v1/projects/my-proj/locations/global/publishers/google/models/"
            "gemini-2.5-pro:streamGenerateContent?alt=sse");
  EXPECT_EQ(GeminiPath("gemini-2.5-flash", false),
            "/v1beta/models/gemini-2.5-flash:generateContent");
  EXPECT_EQ(GeminiPath("gemini-2.5-flash", true),
            "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse");
  // A hostile model name cannot reach into the path or query.
  EXPECT_EQ(GeminiPath("../x?key=1:y", false),
            "/v1beta/models/..%2Fx%3Fkey%3D1%3Ay:generateContent");
  EXPECT_EQ(VertexHost("global"), "aiplatform.googleapis.com");
  EXPECT_EQ(VertexHost("europe-west4"), "europe-west4-aiplatform.googleapis.com");
}

TEST(VertexBase64Url, KnownVectors) {
  EXPECT_EQ(Base64UrlEncode(""), "");
  EXPECT_EQ(Base64UrlEncode("f"), "Zg");
  EXPECT_EQ(Base64UrlEncode("fo"), "Zm8");
  EXPECT_EQ(Base64UrlEncode("foo"), "Zm9v");
  EXPECT_EQ(Base64UrlEncode("foob"), "Zm9vYg");
  EXPECT_EQ(Base64UrlEncode(std::string("\xfb\xff\xbf", 3)), "-_-_");
}

}  // namespace
}  // namespace sluice::providers::gemini
