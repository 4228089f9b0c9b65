#pragma once
// The result of one upstream attempt, as the failover loop (failover.cc) sees it.
#include <chrono>
#include <optional>
#include <string>

#include "core/error.h"
#include "proxy/retry_policy.h"

namespace sluice::proxy {

struct AttemptResult {
  FailureClass failure = FailureClass::kNone;
  // Bytes reached the client: the request is answered (or its stream was cut) and no other
  // target may be tried, whatever `failure` says.
  bool committed = false;
  core::GatewayError error;  // what the client gets if this was the last attempt
  std::optional<std::chrono::milliseconds> retry_after;
  std::string retry_after_header;  // passed to the client if this failure is the final answer
  // The provider refused or rate-limited the attempt's API key (401/403/429), which the key pool
  // set aside: another key of the same provider may work at once.
  bool key_set_aside = false;

  static AttemptResult Committed(FailureClass f = FailureClass::kNone) {
    AttemptResult r;
    r.failure = f;
    r.committed = true;
    return r;
  }
  static AttemptResult Failed(FailureClass f, core::GatewayError e) {
    AttemptResult r;
    r.failure = f;
    r.error = std::move(e);
    return r;
  }
};

}  // namespace sluice::proxy
