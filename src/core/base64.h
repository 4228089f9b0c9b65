#pragma once
// base64url decoding (RFC 4648 §5, padding optional), for JWTs and JWKS key material.
#include <optional>
#include <string>
#include <string_view>

namespace sluice::core {

// nullopt on a character outside the alphabet or an impossible length.
std::optional<std::string> Base64UrlDecode(std::string_view text);

}  // namespace sluice::core
