#pragma once
// Model name -> route. Built once per config snapshot; lookups are read-only and lock-free.
// Order: exact name, then alias, then wildcard entries in file order ('*' matches any run of
// characters, e.g. "gpt-*" or "*").
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "config/config.h"

namespace sluice::routing {

struct RouteTarget {
  const config::Target* target = nullptr;
  const config::Provider* provider = nullptr;
};

struct Route {
  const config::Model* model = nullptr;  // the config entry that matched
  std::vector<RouteTarget> targets;      // by priority (lowest first), file order within
};

struct ResolvedRoute {
  const Route* route = nullptr;  // null: no model matches
  std::string_view requested;    // the model name the client asked for
};

// The model name to send to `target`: its override, or the name the client asked for.
inline std::string_view UpstreamModel(const RouteTarget& target, std::string_view requested) {
  const std::string& name = target.target->upstream_model;
  return name.empty() ? requested : std::string_view(name);
}

class RouteTable {
 public:
  // `config` must outlive the table (both live in the same snapshot).
  explicit RouteTable(const config::Config& config);

  ResolvedRoute Resolve(std::string_view requested) const;
  // Names clients can ask for by name: model names and aliases, wildcards excluded.
  const std::vector<std::string>& listed_models() const { return listed_; }

 private:
  std::vector<Route> routes_;
  // Transparent hashing: lookups by string_view allocate nothing.
  struct NameHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, size_t, NameHash, std::equal_to<>> by_name_;  // -> routes_ index
  std::vector<size_t> wildcards_;  // routes_ indexes, file order
  std::vector<std::string> listed_;
};

// Glob match where '*' matches any (possibly empty) run of characters.
bool WildcardMatch(std::string_view pattern, std::string_view text);

}  // namespace sluice::routing
