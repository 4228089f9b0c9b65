#include "policy/jwt.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/param_build.h>

#include <boost/json/value.hpp>

#include "api/json_fields.h"
#include "core/base64.h"
#include "core/json_parse.h"

namespace sluice::policy {

namespace json = boost::json;

struct JwtVerifier::Key {
  std::string kid;
  std::string secret;        // oct: the HMAC key
  EVP_PKEY* rsa = nullptr;   // RSA public key
  ~Key() { EVP_PKEY_free(rsa); }
};

JwtVerifier::~JwtVerifier() = default;

bool LooksLikeJwt(std::string_view token) {
  size_t first = token.find('.');
  if (first == std::string_view::npos) return false;
  size_t second = token.find('.', first + 1);
  return second != std::string_view::npos && token.find('.', second + 1) == std::string_view::npos;
}

namespace {

EVP_PKEY* RsaPublicKey(const std::string& n, const std::string& e) {
  BIGNUM* bn_n = BN_bin2bn(reinterpret_cast<const unsigned char*>(n.data()),
                           static_cast<int>(n.size()), nullptr);
  BIGNUM* bn_e = BN_bin2bn(reinterpret_cast<const unsigned char*>(e.data()),
                           static_cast<int>(e.size()), nullptr);
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  OSSL_PARAM* params = nullptr;
  EVP_PKEY* key = nullptr;
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr);
  if (bn_n && bn_e && bld && ctx && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n) &&
      OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e) &&
      (params = OSSL_PARAM_BLD_to_param(bld)) && EVP_PKEY_fromdata_init(ctx) > 0)
    EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params);
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(bld);
  BN_free(bn_n);
  BN_free(bn_e);
  return key;
}

bool VerifyRs256(EVP_PKEY* key, std::string_view input, const std::string& signature) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok = ctx && EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1 &&
            EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(signature.data()),
                             signature.size(), reinterpret_cast<const unsigned char*>(input.data()),
                             input.size()) == 1;
  EVP_MD_CTX_free(ctx);
  return ok;
}

bool VerifyHs256(const std::string& secret, std::string_view input, const std::string& signature) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
            reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &len))
    return false;
  return signature.size() == len && CRYPTO_memcmp(mac, signature.data(), len) == 0;
}

std::optional<json::object> DecodeJsonPart(std::string_view part) {
  auto bytes = core::Base64UrlDecode(part);
  if (!bytes) return std::nullopt;
  boost::system::error_code ec;
  json::value v = core::ParseJson(*bytes, {}, ec);
  if (ec || !v.is_object()) return std::nullopt;
  return v.get_object();
}

// NumericDate claims may be integers or floats.
std::optional<int64_t> NumericClaim(const json::object& claims, std::string_view name) {
  const json::value* v = claims.if_contains(name);
  if (!v) return std::nullopt;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64()) return static_cast<int64_t>(v->get_uint64());
  if (v->is_double()) return static_cast<int64_t>(v->get_double());
  return std::nullopt;
}

bool AudienceMatches(const json::object& claims, const std::string& audience) {
  const json::value* aud = claims.if_contains("aud");
  if (!aud) return false;
  if (aud->is_string()) return aud->get_string() == audience;
  if (aud->is_array())
    for (const auto& a : aud->get_array())
      if (a.is_string() && a.get_string() == audience) return true;
  return false;
}

}  // namespace

std::unique_ptr<JwtVerifier> JwtVerifier::FromJwks(std::string_view jwks_json,
                                                   std::string& error) {
  boost::system::error_code ec;
  json::value doc = core::ParseJson(jwks_json, {}, ec);
  const json::array* keys = !ec && doc.is_object() ? api::ArrayAt(doc.get_object(), "keys") : nullptr;
  if (!keys) {
    error = "the JWKS must be a JSON object with a \"keys\" array";
    return nullptr;
  }
  std::unique_ptr<JwtVerifier> verifier(new JwtVerifier);
  for (const auto& item : *keys) {
    if (!item.is_object()) continue;
    const json::object& k = item.get_object();
    auto key = std::make_unique<Key>();
    key->kid = api::StringAt(k, "kid");
    std::string_view kty = api::StringAt(k, "kty");
    if (kty == "oct") {
      auto secret = core::Base64UrlDecode(api::StringAt(k, "k"));
      if (!secret || secret->empty()) {
        error = "JWKS key '" + key->kid + "': bad \"k\"";
        return nullptr;
      }
      key->secret = std::move(*secret);
    } else if (kty == "RSA") {
      auto n = core::Base64UrlDecode(api::StringAt(k, "n"));
      auto e = core::Base64UrlDecode(api::StringAt(k, "e"));
      if (!n || !e || n->empty() || e->empty() || !(key->rsa = RsaPublicKey(*n, *e))) {
        error = "JWKS key '" + key->kid + "': bad RSA \"n\" / \"e\"";
        return nullptr;
      }
    } else {
      continue;  // other key types (EC, OKP) are not used for HS256 / RS256
    }
    verifier->keys_.push_back(std::move(key));
  }
  if (verifier->keys_.empty()) {
    error = "the JWKS holds no usable RSA or oct key";
    return nullptr;
  }
  return verifier;
}

bool JwtVerifier::Verify(std::string_view token, const config::JwtSettings& settings,
                         std::chrono::system_clock::time_point now, std::string& subject,
                         std::string& error) const {
  size_t first = token.find('.');
  size_t second = token.find('.', first + 1);
  auto header = DecodeJsonPart(token.substr(0, first));
  auto claims = DecodeJsonPart(token.substr(first + 1, second - first - 1));
  auto signature = core::Base64UrlDecode(token.substr(second + 1));
  if (!header || !claims || !signature) return error = "the token is not a well-formed JWT", false;
  std::string_view alg = api::StringAt(*header, "alg");
  std::string_view kid = api::StringAt(*header, "kid");
  std::string_view input = token.substr(0, second);
  bool verified = false, key_found = false;
  for (const auto& key : keys_) {
    if (!kid.empty() && key->kid != kid) continue;
    // The key decides the algorithm: a token cannot switch an RSA key to HMAC ("alg confusion").
    if (alg == "RS256" && key->rsa) {
      key_found = true;
      verified = VerifyRs256(key->rsa, input, *signature);
    } else if (alg == "HS256" && !key->secret.empty()) {
      key_found = true;
      verified = VerifyHs256(key->secret, input, *signature);
    }
    if (verified) break;
  }
  if (alg != "RS256" && alg != "HS256")
    return error = "JWT algorithm '" + std::string(alg) + "' is not accepted", false;
  if (!key_found) return error = "no key of the JWKS matches the token", false;
  if (!verified) return error = "the JWT signature is not valid", false;
  int64_t now_s = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  int64_t leeway = std::chrono::duration_cast<std::chrono::seconds>(settings.leeway).count();
  auto exp = NumericClaim(*claims, "exp");
  if (!exp) return error = "the JWT has no exp claim", false;
  if (now_s > *exp + leeway) return error = "the JWT has expired", false;
  if (auto nbf = NumericClaim(*claims, "nbf"); nbf && now_s + leeway < *nbf)
    return error = "the JWT is not valid yet", false;
  if (!settings.issuer.empty() && api::StringAt(*claims, "iss") != settings.issuer)
    return error = "the JWT issuer is not accepted", false;
  if (!settings.audience.empty() && !AudienceMatches(*claims, settings.audience))
    return error = "the JWT audience is not accepted", false;
  subject = api::StringAt(*claims, settings.consumer_claim);
  if (subject.empty())
    return error = "the JWT has no '" + settings.consumer_claim + "' claim naming the consumer",
           false;
  return true;
}

}  // namespace sluice::policy
