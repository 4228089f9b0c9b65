#pragma once
// JWT consumer authentication: a Bearer token that is a JWT is verified against a JWKS file —
// HS256 ("oct" keys) or RS256 ("RSA" keys), chosen by the key, never by the token alone ("none"
// and other algorithms are refused) — then its exp / nbf (with leeway), iss and aud are checked,
// and one claim names the consumer.
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"

namespace sluice::policy {

// Three base64url parts joined by dots.
bool LooksLikeJwt(std::string_view token);

class JwtVerifier {
 public:
  // Reads the JWKS ({"keys":[{"kty":"RSA","kid","n","e"} | {"kty":"oct","kid","k"}]}).
  static std::unique_ptr<JwtVerifier> FromJwks(std::string_view jwks_json, std::string& error);
  ~JwtVerifier();

  // Verifies `token`; on success `subject` receives the value of settings.consumer_claim.
  // On failure `error` says why (for the 401 message; never echoes the token).
  bool Verify(std::string_view token, const config::JwtSettings& settings,
              std::chrono::system_clock::time_point now, std::string& subject,
              std::string& error) const;

  struct Key;

 private:
  JwtVerifier() = default;
  std::vector<std::unique_ptr<Key>> keys_;
};

}  // namespace sluice::policy
