#include "providers/bedrock/sigv4.h"

#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <algorithm>
#include <ctime>

#include "core/hex_digit.h"

namespace sluice::providers::bedrock {

namespace {

using core::HexValue;

constexpr char kHexLower[] = "0123456789abcdef";
constexpr char kHexUpper[] = "0123456789ABCDEF";
constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";

bool IsUnreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == '~';
}

// Decodes valid %XX escapes; a stray '%' stays literal (and is then signed as %25).
std::string PercentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      int hi = HexValue(s[i + 1]);
      int lo = HexValue(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// Trims the value and collapses inner runs of spaces/tabs into one space, as AWS canonicalises.
std::string TrimAll(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  bool pending_space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t') {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(c);
  }
  return out;
}

}  // namespace

std::string HexEncode(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kHexLower[c >> 4]);
    out.push_back(kHexLower[c & 0xf]);
  }
  return out;
}

std::string HexSha256(std::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  return HexEncode({reinterpret_cast<const char*>(digest), sizeof(digest)});
}

std::string HmacSha256(std::string_view key, std::string_view data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac, &len);
  return std::string(reinterpret_cast<const char*>(mac), len);
}

std::string UriEncode(std::string_view s, bool encode_slash) {
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (IsUnreserved(c) || (c == '/' && !encode_slash)) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHexUpper[c >> 4]);
      out.push_back(kHexUpper[c & 0xf]);
    }
  }
  return out;
}

std::string AmzDate(std::chrono::system_clock::time_point now) {
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  size_t n = std::strftime(buf, sizeof(buf), "%Y%m%dT%H%M%SZ", &tm);
  return std::string(buf, n);
}

std::string CanonicalUri(std::string_view path, bool double_encode) {
  if (path.empty()) return "/";
  if (!double_encode) return std::string(path);
  return UriEncode(path, /*encode_slash=*/false);
}

std::string CanonicalQuery(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> params;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view param = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (param.empty()) continue;
    size_t eq = param.find('=');
    std::string_view name = param.substr(0, eq);
    std::string_view value =
        eq == std::string_view::npos ? std::string_view() : param.substr(eq + 1);
    params.emplace_back(UriEncode(PercentDecode(name), true),
                        UriEncode(PercentDecode(value), true));
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [name, value] : params) {
    if (!out.empty()) out.push_back('&');
    out += name;
    out.push_back('=');
    out += value;
  }
  return out;
}

std::string CanonicalRequest(const SigV4Request& req, std::string_view amz_date,
                             std::string_view session_token, std::string* signed_headers) {
  std::string payload_hash = HexSha256(req.body);
  std::vector<std::pair<std::string, std::string>> headers;
  headers.reserve(req.headers.size() + 4);
  headers.emplace_back("host", TrimAll(req.host));
  for (const auto& [name, value] : req.headers) {
    std::string lower(name);
    std::transform(lower.begin(), lower.end(), lower.begin(), Lower);
    if (lower == "host") continue;  // always signed from req.host
    headers.emplace_back(std::move(lower), TrimAll(value));
  }
  headers.emplace_back("x-amz-date", std::string(amz_date));
  if (req.sign_content_sha256) headers.emplace_back("x-amz-content-sha256", payload_hash);
  if (!session_token.empty()) headers.emplace_back("x-amz-security-token", session_token);
  // Stable: repeated names keep their order and are joined with ',' below.
  std::stable_sort(headers.begin(), headers.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });

  std::string canonical_headers;
  std::string names;
  for (size_t i = 0; i < headers.size(); ++i) {
    if (i > 0 && headers[i].first == headers[i - 1].first) {
      canonical_headers.pop_back();  // the '\n' of the previous value
      canonical_headers.push_back(',');
    } else {
      if (!names.empty()) names.push_back(';');
      names += headers[i].first;
      canonical_headers += headers[i].first;
      canonical_headers.push_back(':');
    }
    canonical_headers += headers[i].second;
    canonical_headers.push_back('\n');
  }

  std::string out;
  out.reserve(256 + canonical_headers.size());
  out += req.method;
  out.push_back('\n');
  out += CanonicalUri(req.path, req.double_encode_path);
  out.push_back('\n');
  out += CanonicalQuery(req.query);
  out.push_back('\n');
  out += canonical_headers;
  out.push_back('\n');
  out += names;
  out.push_back('\n');
  out += payload_hash;
  if (signed_headers) *signed_headers = std::move(names);
  return out;
}

std::string CredentialScope(std::string_view date8, std::string_view region,
                            std::string_view service) {
  std::string out(date8);
  out.push_back('/');
  out += region;
  out.push_back('/');
  out += service;
  out += "/aws4_request";
  return out;
}

std::string StringToSign(std::string_view amz_date, std::string_view scope,
                         std::string_view canonical_request) {
  std::string out(kAlgorithm);
  out.push_back('\n');
  out += amz_date;
  out.push_back('\n');
  out += scope;
  out.push_back('\n');
  out += HexSha256(canonical_request);
  return out;
}

std::string SigningKey(std::string_view secret_access_key, std::string_view date8,
                       std::string_view region, std::string_view service) {
  std::string secret = "AWS4";
  secret += secret_access_key;
  std::string k_date = HmacSha256(secret, date8);
  std::string k_region = HmacSha256(k_date, region);
  std::string k_service = HmacSha256(k_region, service);
  return HmacSha256(k_service, "aws4_request");
}

SigV4Headers SignV4(const SigV4Request& req, const SigV4Credentials& credentials,
                    std::string_view region, std::string_view service,
                    std::chrono::system_clock::time_point now) {
  std::string amz_date = AmzDate(now);
  std::string_view date8 = std::string_view(amz_date).substr(0, 8);
  std::string signed_headers;
  std::string canonical =
      CanonicalRequest(req, amz_date, credentials.session_token, &signed_headers);
  std::string scope = CredentialScope(date8, region, service);
  std::string to_sign = StringToSign(amz_date, scope, canonical);
  std::string key = SigningKey(credentials.secret_access_key, date8, region, service);
  std::string signature = HexEncode(HmacSha256(key, to_sign));

  std::string authorization(kAlgorithm);
  authorization += " Credential=";
  authorization += credentials.access_key_id;
  authorization.push_back('/');
  authorization += scope;
  authorization += ", SignedHeaders=";
  authorization += signed_headers;
  authorization += ", Signature=";
  authorization += signature;

  SigV4Headers out;
  out.emplace_back("authorization", std::move(authorization));
  out.emplace_back("x-amz-date", amz_date);
  if (req.sign_content_sha256) out.emplace_back("x-amz-content-sha256", HexSha256(req.body));
  if (!credentials.session_token.empty())
    out.emplace_back("x-amz-security-token", credentials.session_token);
  return out;
}

}  // namespace sluice::providers::bedrock
