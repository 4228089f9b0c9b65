#pragma once
// Random and damaged JSON texts for the tests that check a hand-written scan against the DOM.
#include <random>
#include <string>
#include <vector>

namespace sluice::core {

// Random JSON for the scan-vs-DOM tests: a scalar from one of `scalars` (a group, then a value),
// an empty array, an array of up to two values, or an object of up to `max_keys - 1` keys from
// `keys`; objects are twice as likely as each other kind until `max_depth`, after which only
// scalars and empty arrays are made.
struct RandomJson {
  std::mt19937& rng;
  std::vector<std::vector<const char*>> scalars;
  std::vector<const char*> keys;
  int max_depth;
  unsigned max_keys;

  std::string Pick(const std::vector<const char*>& xs) { return xs[rng() % xs.size()]; }
  std::string Value(int depth) {
    size_t groups = scalars.size();
    size_t kind = depth > max_depth ? rng() % (groups + 1) : rng() % (groups + 4);
    if (kind < groups) return Pick(scalars[kind]);
    if (kind == groups) return "[]";
    if (kind == groups + 1) {
      std::string a = "[";
      for (int i = 0, n = static_cast<int>(rng() % 3); i < n; ++i)
        a += (i ? "," : "") + Value(depth + 1);
      return a + "]";
    }
    std::string o = "{";
    for (int i = 0, n = static_cast<int>(rng() % max_keys); i < n; ++i) {
      o += i ? "," : "";
      o += Pick(keys);
      o += ":" + Value(depth + 1);
    }
    return o + "}";
  }
};

// The damaged copies of `text` every random case is checked with too: cut short anywhere, and
// one byte replaced by a JSON-significant one.
inline std::vector<std::string> Damaged(std::mt19937& rng, const std::string& text) {
  std::string cut = text;
  cut.resize(rng() % (text.size() + 1));
  std::string changed = text;
  changed[rng() % changed.size()] = "{}[]\",:x0 \\"[rng() % 12];
  return {cut, changed};
}

}  // namespace sluice::core
