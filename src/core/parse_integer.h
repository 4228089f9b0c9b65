#pragma once
// An integer as a header value carries it: optional spaces around, digits (with a sign for signed
// types), nothing else. nullopt when malformed or out of the type's range.
#include <charconv>
#include <optional>
#include <string_view>

namespace sluice::core {

template <class T>
std::optional<T> ParseInteger(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  T value{};
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return value;
}

}  // namespace sluice::core
