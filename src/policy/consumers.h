#pragma once
// Consumer authentication: the API key a client sends, in whichever header its dialect uses, is
// hashed and looked up among the configured consumers' key digests.
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "config/config.h"

namespace sluice::policy {

class ConsumerTable {
 public:
  explicit ConsumerTable(const std::vector<config::Consumer>& consumers);
  // The consumer owning `key`, or null.
  const config::Consumer* Find(std::string_view key) const;
  bool empty() const { return by_digest_.empty(); }

 private:
  std::unordered_map<std::string, const config::Consumer*> by_digest_;
};

// The credential of a request: `Authorization: Bearer <key>` (OpenAI, current Anthropic SDKs),
// `x-api-key` (older Anthropic clients) or `api-key` (Azure clients). Empty if none.
std::string_view ApiKeyFrom(std::string_view authorization, std::string_view x_api_key,
                            std::string_view api_key);

// May `consumer` use the model the client named (its `models` list: names or '*' patterns)?
bool ModelAllowed(const config::Consumer& consumer, std::string_view model);

}  // namespace sluice::policy
