#pragma once
// AWS Signature Version 4 (header-based), sans-I/O: request parts and credentials in, the headers
// to add out. The building blocks are public so the published test-suite vectors can pin each step
// (canonical request, string to sign, signing key, signature).
//
// Canonical URI: AWS double-encodes the path for every service but S3. The caller passes the path
// as it goes on the wire (already URI-encoded: a Bedrock model id "...-v1:0" is sent as "-v1%3A0"),
// and with `double_encode_path` each segment is encoded once more for the canonical request
// ("%3A" -> "%253A"). S3 signs the wire path as is (double_encode_path = false). Dot segments are
// not normalised: callers build paths without them.
#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sluice::providers::bedrock {

using SigV4Headers = std::vector<std::pair<std::string, std::string>>;

struct SigV4Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // temporary credentials (STS); empty for long-term keys
};

struct SigV4Request {
  std::string method;
  std::string host;
  std::string path;      // URI-encoded as on the wire, e.g. "/model/x-v1%3A0/converse"
  std::string query;     // raw query string without '?', may be empty
  SigV4Headers headers;  // extra headers to sign, e.g. content-type (host and x-amz-* are added)
  std::string_view body;
  bool double_encode_path = true;    // false for S3 only
  bool sign_content_sha256 = false;  // add and sign x-amz-content-sha256 (S3 needs it)
};

// Lowercase hex of bytes.
std::string HexEncode(std::string_view bytes);
// Lowercase hex SHA-256 of data.
std::string HexSha256(std::string_view data);
// Raw 32-byte HMAC-SHA256.
std::string HmacSha256(std::string_view key, std::string_view data);
// AWS URI encoding: A-Z a-z 0-9 - _ . ~ kept, every other byte as %XX (uppercase); '/' kept
// unless encode_slash.
std::string UriEncode(std::string_view s, bool encode_slash);
// "20150830T123600Z" (x-amz-date) for a time point, UTC.
std::string AmzDate(std::chrono::system_clock::time_point now);

// The canonical URI of a wire path (see the header comment for double encoding).
std::string CanonicalUri(std::string_view path, bool double_encode);
// The canonical query string: parameters percent-decoded, re-encoded per AWS rules, sorted by
// name then value; "a" without '=' becomes "a=". '+' is a literal plus (AWS does not read it as
// a space), so it is signed as %2B.
std::string CanonicalQuery(std::string_view query);

// Task 1: the canonical request for `req` at `amz_date`, signing host, the extra headers,
// x-amz-date, x-amz-content-sha256 (if asked) and x-amz-security-token (if `session_token` is set).
// `signed_headers` receives the SignedHeaders list ("host;x-amz-date").
std::string CanonicalRequest(const SigV4Request& req, std::string_view amz_date,
                             std::string_view session_token, std::string* signed_headers = nullptr);
// "20150830/us-east-1/service/aws4_request"
std::string CredentialScope(std::string_view date8, std::string_view region,
                            std::string_view service);
// Task 2: "AWS4-HMAC-SHA256\n<amz_date>\n<scope>\n<hex sha256 of canonical request>".
std::string StringToSign(std::string_view amz_date, std::string_view scope,
                         std::string_view canonical_request);
// Task 3: the raw 32-byte signing key for the day (date8 = "YYYYMMDD"), region and service.
std::string SigningKey(std::string_view secret_access_key, std::string_view date8,
                       std::string_view region, std::string_view service);

// Signs `req`; returns the headers to add: authorization, x-amz-date, x-amz-content-sha256 (when
// req.sign_content_sha256) and x-amz-security-token (when the credentials carry a session token).
// The caller sends `host` and the extra headers exactly as given here.
SigV4Headers SignV4(const SigV4Request& req, const SigV4Credentials& credentials,
                    std::string_view region, std::string_view service,
                    std::chrono::system_clock::time_point now);

}  // namespace sluice::providers::bedrock
