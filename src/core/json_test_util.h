#pragma once
// Random and damaged JSON texts for the tests that check a hand-written scan against the DOM, and
// the comparison of two DOMs read from texts that hold the same numbers.
#include <boost/json/value.hpp>
#include <cstdint>
#include <cstring>
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

// Equal JSON values, where doubles may be a few ULPs apart. Boost.JSON 1.81 reads a long decimal
// number only to about the nearest double, and the same text can read as a neighbouring double
// depending on what follows it in the buffer ("30000000000.0020000" before "]" and before more
// members: 30000000000.001999 and 30000000000.001995). Texts compared with this hold the very same
// number texts; everything but doubles must be exactly equal.
inline bool SameJson(const boost::json::value& a, const boost::json::value& b) {
  if (a.is_double() && b.is_double()) {
    double x = a.get_double(), y = b.get_double();
    if (x == y) return true;
    if ((x < 0) != (y < 0)) return false;
    int64_t bx, by;
    std::memcpy(&bx, &x, sizeof x);
    std::memcpy(&by, &y, sizeof y);
    return (bx > by ? bx - by : by - bx) <= 4;
  }
  if (a.is_array() && b.is_array()) {
    const auto &x = a.get_array(), &y = b.get_array();
    if (x.size() != y.size()) return false;
    for (size_t i = 0; i < x.size(); ++i)
      if (!SameJson(x[i], y[i])) return false;
    return true;
  }
  if (a.is_object() && b.is_object()) {
    const auto &x = a.get_object(), &y = b.get_object();
    if (x.size() != y.size()) return false;
    for (const auto& member : x) {
      const boost::json::value* other = y.if_contains(member.key());
      if (!other || !SameJson(member.value(), *other)) return false;
    }
    return true;
  }
  return a == b;
}

}  // namespace sluice::core
