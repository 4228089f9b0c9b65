#include "http/ndjson.h"

namespace sluice::http {

std::string_view NdjsonLineContent(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  for (char c : line)
    if (c != ' ' && c != '\t' && c != '\r') return line;
  return {};
}

}  // namespace sluice::http
