#include "policy/consumers.h"

#include "core/sha256.h"
#include "routing/route_table.h"

namespace sluice::policy {

ConsumerTable::ConsumerTable(const std::vector<config::Consumer>& consumers) {
  for (const auto& c : consumers)
    for (const auto& digest : c.key_hashes) by_digest_.emplace(digest, &c);
}

const config::Consumer* ConsumerTable::Find(std::string_view key) const {
  if (key.empty()) return nullptr;
  auto it = by_digest_.find(core::Sha256Hex(key));
  return it == by_digest_.end() ? nullptr : it->second;
}

std::string_view ApiKeyFrom(std::string_view authorization, std::string_view x_api_key,
                            std::string_view api_key) {
  constexpr std::string_view kBearer = "Bearer ";
  if (authorization.size() > kBearer.size() &&
      authorization.substr(0, kBearer.size()) == kBearer)
    return authorization.substr(kBearer.size());
  if (!x_api_key.empty()) return x_api_key;
  return api_key;
}

bool ModelAllowed(const config::Consumer& consumer, std::string_view model) {
  if (consumer.models.empty()) return true;
  for (const auto& pattern : consumer.models)
    if (routing::WildcardMatch(pattern, model)) return true;
  return false;
}

}  // namespace sluice::policy
