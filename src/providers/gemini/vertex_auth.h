#pragma once
// Vertex AI credentials from a Google service-account key file, sans-I/O: parse the key, build the
// signed JWT assertion (RS256), the token request body for the OAuth token endpoint, parse its
// answer, and cache the access token. The caller POSTs TokenRequestBody() to token_uri as
// application/x-www-form-urlencoded and sends "Authorization: Bearer <token>" upstream.
// Also the request paths of Vertex AI and of the Gemini Developer API.
#include <chrono>
#include <string>
#include <string_view>

namespace sluice::providers::gemini {

inline constexpr std::string_view kCloudPlatformScope =
    "https://www.googleapis.com/auth/cloud-platform";
inline constexpr std::string_view kDefaultTokenUri = "https://oauth2.googleapis.com/token";

struct ServiceAccount {
  std::string client_email;
  std::string private_key;  // PEM (PKCS#8 "BEGIN PRIVATE KEY", or PKCS#1 RSA)
  std::string private_key_id;
  std::string token_uri;    // kDefaultTokenUri when the file has none
  std::string project_id;   // optional in the file; the default Vertex project
};

struct AccessToken {
  std::string token;
  std::string type;  // "Bearer"
  std::chrono::system_clock::time_point expires_at;
};

// Parses a key file ("type":"service_account"). False with a reason if it is not one.
bool ParseServiceAccount(std::string_view json, ServiceAccount& out, std::string& error);

// The RS256-signed JWT asking for `scope`, valid for an hour from `now`. Empty with `error` set if
// the private key cannot be read or used. The key never appears in `error`.
std::string BuildJwtAssertion(const ServiceAccount& account, std::string_view scope,
                              std::chrono::system_clock::time_point now, std::string& error);

// The form body of the jwt-bearer token request.
std::string TokenRequestBody(std::string_view assertion);

// Parses the token endpoint's answer ({"access_token","expires_in","token_type"}).
bool ParseTokenResponse(std::string_view body, std::chrono::system_clock::time_point now,
                        AccessToken& out, std::string& error);

// Base64url without padding (RFC 7515 §2), as JWTs use it.
std::string Base64UrlEncode(std::string_view bytes);

// The current access token. Not thread-safe: one per worker, or guarded by the caller.
class TokenCache {
 public:
  // Tokens are renewed this long before they expire, so a request never leaves with a token that
  // dies in flight (and clock skew does not bite).
  static constexpr std::chrono::minutes kRefreshMargin{5};

  bool Fresh(std::chrono::system_clock::time_point now) const {
    return !token_.token.empty() && now + kRefreshMargin < token_.expires_at;
  }
  void Store(AccessToken token) { token_ = std::move(token); }
  void Clear() { token_ = {}; }
  const AccessToken& token() const { return token_; }

 private:
  AccessToken token_;
};

// "/v1/projects/{p}/locations/{l}/publishers/google/models/{m}:generateContent", or
// ":streamGenerateContent?alt=sse" when `stream`. Segments are percent-encoded.
std::string VertexPath(std::string_view project, std::string_view location,
                       std::string_view model, bool stream);
// "aiplatform.googleapis.com" for location "global", else "{location}-aiplatform.googleapis.com".
std::string VertexHost(std::string_view location);
// "/v1beta/models/{m}:generateContent", or ":streamGenerateContent?alt=sse" when `stream`.
std::string GeminiPath(std::string_view model, bool stream);

}  // namespace sluice::providers::gemini
