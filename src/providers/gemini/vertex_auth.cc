#include "providers/gemini/vertex_auth.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <memory>

#include "core/json_parse.h"

namespace sluice::providers::gemini {

namespace json = boost::json;

namespace {

std::string_view StringField(const json::object& obj, std::string_view key) {
  const json::value* v = obj.if_contains(key);
  return v && v->is_string() ? std::string_view(v->get_string()) : std::string_view();
}

// OpenSSL's reason for the latest failure, and a clean error queue for the next caller.
std::string OpenSslReason() {
  unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "unknown OpenSSL error";
  char buf[256];
  ERR_error_string_n(code, buf, sizeof buf);
  return buf;
}

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

int64_t UnixSeconds(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

// Keeps RFC 3986 unreserved characters; everything else becomes %XX.
void AppendEncoded(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (unsigned char c : s) {
    bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
}

std::string_view Method(bool stream) {
  return stream ? ":streamGenerateContent?alt=sse" : ":generateContent";
}

}  // namespace

std::string Base64UrlEncode(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  auto byte = [&](size_t k) { return static_cast<uint32_t>(static_cast<unsigned char>(bytes[k])); };
  for (; i + 3 <= bytes.size(); i += 3) {
    uint32_t n = byte(i) << 16 | byte(i + 1) << 8 | byte(i + 2);
    out += kAlphabet[n >> 18 & 63];
    out += kAlphabet[n >> 12 & 63];
    out += kAlphabet[n >> 6 & 63];
    out += kAlphabet[n & 63];
  }
  size_t rest = bytes.size() - i;
  if (rest == 1) {
    uint32_t n = byte(i) << 16;
    out += kAlphabet[n >> 18 & 63];
    out += kAlphabet[n >> 12 & 63];
  } else if (rest == 2) {
    uint32_t n = byte(i) << 16 | byte(i + 1) << 8;
    out += kAlphabet[n >> 18 & 63];
    out += kAlphabet[n >> 12 & 63];
    out += kAlphabet[n >> 6 & 63];
  }
  return out;
}

bool ParseServiceAccount(std::string_view text, ServiceAccount& out, std::string& error) {
  boost::system::error_code ec;
  json::value doc = core::ParseJson(text, {}, ec);
  if (ec || !doc.is_object()) {
    error = "service-account key is not a JSON object";
    return false;
  }
  const json::object& obj = doc.get_object();
  if (StringField(obj, "type") != "service_account") {
    error = "key file \"type\" is not \"service_account\"";
    return false;
  }
  ServiceAccount account;
  account.client_email = std::string(StringField(obj, "client_email"));
  account.private_key = std::string(StringField(obj, "private_key"));
  account.private_key_id = std::string(StringField(obj, "private_key_id"));
  account.token_uri = std::string(StringField(obj, "token_uri"));
  account.project_id = std::string(StringField(obj, "project_id"));
  for (auto [field, value] : {std::pair{"client_email", &account.client_email},
                              std::pair{"private_key", &account.private_key}}) {
    if (value->empty()) {
      error = std::string("service-account key has no \"") + field + "\"";
      return false;
    }
  }
  if (account.token_uri.empty()) account.token_uri = kDefaultTokenUri;
  out = std::move(account);
  return true;
}

std::string BuildJwtAssertion(const ServiceAccount& account, std::string_view scope,
                              std::chrono::system_clock::time_point now, std::string& error) {
  json::object header{{"alg", "RS256"}, {"typ", "JWT"}};
  if (!account.private_key_id.empty()) header["kid"] = account.private_key_id;
  int64_t iat = UnixSeconds(now);
  json::object claims{{"iss", account.client_email},
                      {"scope", scope},
                      {"aud", account.token_uri},
                      {"iat", iat},
                      {"exp", iat + 3600}};
  std::string signing_input =
      Base64UrlEncode(json::serialize(header)) + "." + Base64UrlEncode(json::serialize(claims));

  ERR_clear_error();
  std::unique_ptr<BIO, BioFree> bio(
      BIO_new_mem_buf(account.private_key.data(), static_cast<int>(account.private_key.size())));
  if (!bio) {
    error = "cannot read the private key: " + OpenSslReason();
    return {};
  }
  // A null passphrase callback with an empty password: an encrypted key fails instead of
  // prompting on the terminal.
  std::unique_ptr<EVP_PKEY, PkeyFree> key(
      PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, const_cast<char*>("")));
  if (!key) {
    error = "private_key is not a PEM private key: " + OpenSslReason();
    return {};
  }
  if (!EVP_PKEY_is_a(key.get(), "RSA")) {
    error = "private_key is not an RSA key (RS256 needs one)";
    return {};
  }
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  size_t length = 0;
  // RSA keys default to PKCS#1 v1.5 padding: RS256 exactly.
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &length,
                     reinterpret_cast<const unsigned char*>(signing_input.data()),
                     signing_input.size()) != 1) {
    error = "cannot sign the JWT: " + OpenSslReason();
    return {};
  }
  std::string signature(length, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &length,
                     reinterpret_cast<const unsigned char*>(signing_input.data()),
                     signing_input.size()) != 1) {
    error = "cannot sign the JWT: " + OpenSslReason();
    return {};
  }
  signature.resize(length);
  return signing_input + "." + Base64UrlEncode(signature);
}

std::string TokenRequestBody(std::string_view assertion) {
  std::string body = "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=";
  AppendEncoded(body, assertion);  // a JWT is base64url and dots: passes through unchanged
  return body;
}

bool ParseTokenResponse(std::string_view body, std::chrono::system_clock::time_point now,
                        AccessToken& out, std::string& error) {
  boost::system::error_code ec;
  json::value doc = core::ParseJson(body, {}, ec);
  if (ec || !doc.is_object()) {
    error = "token response is not a JSON object";
    return false;
  }
  const json::object& obj = doc.get_object();
  std::string_view token = StringField(obj, "access_token");
  if (token.empty()) {
    std::string_view reason = StringField(obj, "error_description");
    if (reason.empty()) reason = StringField(obj, "error");
    error = "token response has no access_token";
    if (!reason.empty()) error += ": " + std::string(reason);
    return false;
  }
  const json::value* expires = obj.if_contains("expires_in");
  int64_t seconds = -1;
  if (expires && expires->is_int64()) seconds = expires->get_int64();
  if (expires && expires->is_uint64() && expires->get_uint64() < (1u << 31))
    seconds = static_cast<int64_t>(expires->get_uint64());
  if (seconds <= 0) {
    error = "token response has no positive integer expires_in";
    return false;
  }
  std::string_view type = StringField(obj, "token_type");
  out.token = std::string(token);
  out.type = type.empty() ? "Bearer" : std::string(type);
  out.expires_at = now + std::chrono::seconds(seconds);
  return true;
}

std::string VertexPath(std::string_view project, std::string_view location,
                       std::string_view model, bool stream) {
  std::string path = "/v1/projects/";
  AppendEncoded(path, project);
  path += "/locations/";
  AppendEncoded(path, location);
  path += "/publishers/google/models/";
  AppendEncoded(path, model);
  path += Method(stream);
  return path;
}

std::string VertexHost(std::string_view location) {
  if (location == "global") return "aiplatform.googleapis.com";
  std::string host;
  AppendEncoded(host, location);
  return host + "-aiplatform.googleapis.com";
}

std::string GeminiPath(std::string_view model, bool stream) {
  std::string path = "/v1beta/models/";
  AppendEncoded(path, model);
  path += Method(stream);
  return path;
}

}  // namespace sluice::providers::gemini
