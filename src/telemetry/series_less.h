#pragma once
#include <cstddef>
#include <string_view>
#include <tuple>
#include <utility>

namespace sluice::telemetry {

// Orders series keys (strings, or tuples of strings and ints) and lets them be found by views of
// the same shape (string_view for string): element by element, so std::string and string_view
// compare directly, with no allocation on lookup.
struct SeriesLess {
  using is_transparent = void;
  template <class A, class B>
  bool operator()(const A& a, const B& b) const {
    if constexpr (requires { std::tuple_size<A>::value; }) {
      return Less(a, b, std::make_index_sequence<std::tuple_size_v<A>>{});
    } else {
      return std::string_view(a) < std::string_view(b);
    }
  }

 private:
  template <class A, class B, size_t... I>
  static bool Less(const A& a, const B& b, std::index_sequence<I...>) {
    int order = 0;  // first difference decides
    ((order = order ? order : Compare(std::get<I>(a), std::get<I>(b))), ...);
    return order < 0;
  }
  static int Compare(std::string_view x, std::string_view y) { return x.compare(y); }
  static int Compare(int x, int y) { return x < y ? -1 : x > y; }
};

}  // namespace sluice::telemetry
