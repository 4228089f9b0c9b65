#pragma once
// SHA-256 as lowercase hex (OpenSSL), for storing API keys as digests.
#include <string>
#include <string_view>

namespace sluice::core {

std::string Sha256Hex(std::string_view data);

}  // namespace sluice::core
