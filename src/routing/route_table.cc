#include "routing/route_table.h"

#include <algorithm>

namespace sluice::routing {

bool WildcardMatch(std::string_view pattern, std::string_view text) {
  // Iterative glob with single-star backtracking: linear for the patterns users write.
  size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (p < pattern.size() && pattern[p] == text[t]) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

RouteTable::RouteTable(const config::Config& config) {
  routes_.reserve(config.models.size());
  for (const auto& model : config.models) {
    size_t index = routes_.size();
    Route route{&model, {}};
    for (const auto& target : model.targets)
      route.targets.push_back(RouteTarget{&target, config.FindProvider(target.provider)});
    std::stable_sort(route.targets.begin(), route.targets.end(),
                     [](const RouteTarget& a, const RouteTarget& b) {
                       return a.target->priority < b.target->priority;
                     });
    routes_.push_back(std::move(route));
    if (model.name.find('*') != std::string::npos) {
      wildcards_.push_back(index);
      continue;
    }
    by_name_.emplace(model.name, index);
    listed_.push_back(model.name);
    for (const auto& alias : model.aliases) {
      by_name_.emplace(alias, index);
      listed_.push_back(alias);
    }
  }
}

ResolvedRoute RouteTable::Resolve(std::string_view requested) const {
  const Route* route = nullptr;
  if (auto it = by_name_.find(requested); it != by_name_.end()) {
    route = &routes_[it->second];
  } else {
    for (size_t index : wildcards_) {
      if (WildcardMatch(routes_[index].model->name, requested)) {
        route = &routes_[index];
        break;
      }
    }
  }
  return {route, requested};
}

}  // namespace sluice::routing
