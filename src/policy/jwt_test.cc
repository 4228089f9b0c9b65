#include "policy/jwt.h"

#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rsa.h>

#include "providers/gemini/vertex_auth.h"  // Base64UrlEncode

namespace sluice::policy {
namespace {

using providers::gemini::Base64UrlEncode;
using std::chrono::seconds;
using Clock = std::chrono::system_clock;

const Clock::time_point kNow = Clock::time_point(seconds(1'800'000'000));

std::string BnBytes(EVP_PKEY* key, const char* name) {
  BIGNUM* bn = nullptr;
  EVP_PKEY_get_bn_param(key, name, &bn);
  std::string out(static_cast<size_t>(BN_num_bytes(bn)), '\0');
  BN_bn2bin(bn, reinterpret_cast<unsigned char*>(out.data()));
  BN_free(bn);
  return out;
}

class JwtTest : public ::testing::Test {
 protected:
  void SetUp() override {
    rsa_ = EVP_RSA_gen(2048);
    ASSERT_NE(rsa_, nullptr);
    std::string jwks = R"({"keys":[{"kty":"RSA","kid":"r1","n":")" +
                       Base64UrlEncode(BnBytes(rsa_, OSSL_PKEY_PARAM_RSA_N)) + R"(","e":")" +
                       Base64UrlEncode(BnBytes(rsa_, OSSL_PKEY_PARAM_RSA_E)) +
                       R"("},{"kty":"oct","kid":"h1","k":")" + Base64UrlEncode(kSecret) +
                       R"("}]})";
    std::string error;
    verifier_ = JwtVerifier::FromJwks(jwks, error);
    ASSERT_NE(verifier_, nullptr) << error;
    settings_.issuer = "https://issuer.example";
    settings_.audience = "sluice";
  }
  void TearDown() override { EVP_PKEY_free(rsa_); }

  std::string Claims(int64_t exp_offset, std::string extra = {}) {
    int64_t now = std::chrono::duration_cast<seconds>(kNow.time_since_epoch()).count();
    return R"({"sub":"team-a-app","iss":"https://issuer.example","aud":["x","sluice"],"exp":)" +
           std::to_string(now + exp_offset) + extra + "}";
  }
  std::string Rs256(const std::string& claims, std::string kid = "r1") {
    std::string input = Base64UrlEncode(R"({"alg":"RS256","typ":"JWT","kid":")" + kid + "\"}") +
                        "." + Base64UrlEncode(claims);
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    size_t len = 0;
    EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, rsa_);
    EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()),
                   input.size());
    std::string sig(len, '\0');
    EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len,
                   reinterpret_cast<const unsigned char*>(input.data()), input.size());
    EVP_MD_CTX_free(ctx);
    sig.resize(len);
    return input + "." + Base64UrlEncode(sig);
  }
  std::string Hs256(const std::string& claims, const std::string& secret, std::string alg = "HS256") {
    std::string input = Base64UrlEncode(R"({"alg":")" + alg + R"(","kid":"h1"})") + "." +
                        Base64UrlEncode(claims);
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
         reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &len);
    return input + "." + Base64UrlEncode(std::string(reinterpret_cast<char*>(mac), len));
  }
  bool Verify(const std::string& token, std::string* error = nullptr) {
    std::string subject, why;
    bool ok = verifier_->Verify(token, settings_, kNow, subject, why);
    if (error) *error = why;
    if (ok) {
      EXPECT_EQ(subject, "team-a-app");
    }
    return ok;
  }

  static constexpr const char* kSecret = "a-shared-secret-of-some-length";
  EVP_PKEY* rsa_ = nullptr;
  std::unique_ptr<JwtVerifier> verifier_;
  config::JwtSettings settings_;
};

TEST_F(JwtTest, ValidTokensOfBothAlgorithms) {
  EXPECT_TRUE(LooksLikeJwt(Rs256(Claims(60))));
  EXPECT_FALSE(LooksLikeJwt("sk-plain-api-key"));
  EXPECT_TRUE(Verify(Rs256(Claims(60))));
  EXPECT_TRUE(Verify(Hs256(Claims(60), kSecret)));
  EXPECT_TRUE(Verify(Rs256(Claims(-10))));  // expired 10 s ago: inside the 30 s leeway
}

TEST_F(JwtTest, RefusesExpiredForgedAndMisaddressedTokens) {
  std::string why;
  EXPECT_FALSE(Verify(Rs256(Claims(-60)), &why));
  EXPECT_EQ(why, "the JWT has expired");
  EXPECT_FALSE(Verify(Rs256(Claims(600, R"(,"nbf":1900000000)")), &why));
  EXPECT_EQ(why, "the JWT is not valid yet");
  EXPECT_FALSE(Verify(Hs256(Claims(60), "another-secret"), &why));
  EXPECT_EQ(why, "the JWT signature is not valid");
  std::string token = Rs256(Claims(60));
  token[token.size() - 5] = token[token.size() - 5] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(Verify(token, &why));
  EXPECT_EQ(why, "the JWT signature is not valid");
  // A payload swapped under a valid signature.
  std::string good = Rs256(Claims(60));
  size_t a = good.find('.'), b = good.rfind('.');
  std::string swapped =
      good.substr(0, a + 1) + Base64UrlEncode(Claims(600000)) + good.substr(b);
  EXPECT_FALSE(Verify(swapped, &why));
  settings_.audience = "other";
  EXPECT_FALSE(Verify(Rs256(Claims(60)), &why));
  EXPECT_EQ(why, "the JWT audience is not accepted");
  settings_.audience = "sluice";
  settings_.issuer = "https://elsewhere";
  EXPECT_FALSE(Verify(Rs256(Claims(60)), &why));
  EXPECT_EQ(why, "the JWT issuer is not accepted");
}

TEST_F(JwtTest, AlgorithmIsDecidedByTheKey) {
  std::string why;
  EXPECT_FALSE(Verify(Hs256(Claims(60), kSecret, "none"), &why));
  EXPECT_EQ(why, "JWT algorithm 'none' is not accepted");
  EXPECT_FALSE(Verify(Rs256(Claims(60), "unknown-kid"), &why));
  EXPECT_EQ(why, "no key of the JWKS matches the token");
  EXPECT_FALSE(Verify("a.b.c", &why));
  EXPECT_EQ(why, "the token is not a well-formed JWT");
}

TEST(JwtJwks, BadKeySetsAreRefused) {
  std::string error;
  EXPECT_EQ(JwtVerifier::FromJwks("[]", error), nullptr);
  EXPECT_EQ(JwtVerifier::FromJwks(R"({"keys":[{"kty":"EC"}]})", error), nullptr);
  EXPECT_EQ(error, "the JWKS holds no usable RSA or oct key");
  EXPECT_EQ(JwtVerifier::FromJwks(R"({"keys":[{"kty":"RSA","kid":"x","n":"!!","e":"AQAB"}]})",
                                  error),
            nullptr);
}

}  // namespace
}  // namespace sluice::policy
