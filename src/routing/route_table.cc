#include "routing/route_table.h"

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
    routes_.push_back(Route{&model, config.FindProvider(model.provider)});
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
  if (auto it = by_name_.find(std::string(requested)); it != by_name_.end()) {
    route = &routes_[it->second];
  } else {
    for (size_t index : wildcards_) {
      if (WildcardMatch(routes_[index].model->name, requested)) {
        route = &routes_[index];
        break;
      }
    }
  }
  if (!route) return {};
  const auto& override_name = route->model->upstream_model;
  return {route, override_name.empty() ? requested : std::string_view(override_name)};
}

}  // namespace sluice::routing
