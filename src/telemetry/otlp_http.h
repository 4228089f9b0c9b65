#pragma once
// A minimal blocking HTTP/1.1 POST for the span exporter thread: plain http (a collector on the
// host or the local network), one connection per batch (`connection: close`), every step bounded
// by `timeout`. Never used on a worker thread.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::telemetry {

struct HttpTarget {
  std::string host;  // name or address, without brackets
  uint16_t port = 80;
  std::string path;  // starts with '/'
};

// "http://host[:port][/base]" -> the target of <base>/v1/traces. nullopt (with `why`) otherwise.
std::optional<HttpTarget> OtlpTracesTarget(std::string_view endpoint, std::string* why);

// POSTs `body` as application/json; true on a 2xx answer. `error` says why not.
bool HttpPost(const HttpTarget& target, const std::string& body,
              std::chrono::milliseconds timeout, std::string* error);

}  // namespace sluice::telemetry
