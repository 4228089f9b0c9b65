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

struct Route {
  const config::Model* model = nullptr;  // the config entry that matched
  const config::Provider* provider = nullptr;
};

struct ResolvedRoute {
  const Route* route = nullptr;     // null: no model matches
  std::string_view upstream_model;  // name to send upstream (override, or the name asked for)
};

class RouteTable {
 public:
  // `config` must outlive the table (both live in the same snapshot).
  explicit RouteTable(const config::Config& config);

  ResolvedRoute Resolve(std::string_view requested) const;
  // Names clients can ask for by name: model names and aliases, wildcards excluded.
  const std::vector<std::string>& listed_models() const { return listed_; }

 private:
  std::vector<Route> routes_;
  std::unordered_map<std::string, size_t> by_name_;  // names and aliases -> routes_ index
  std::vector<size_t> wildcards_;                    // routes_ indexes, file order
  std::vector<std::string> listed_;
};

// Glob match where '*' matches any (possibly empty) run of characters.
bool WildcardMatch(std::string_view pattern, std::string_view text);

}  // namespace sluice::routing
