#pragma once
// The closed error taxonomy (DESIGN.md §1 "Errors"). Every error a client can see has one of these
// codes; the prefix names the fault domain so that, e.g., our own 429 (policy_rate_limited) and a
// provider's 429 (provider_rate_limited) stay distinguishable.
#include <string>
#include <string_view>

namespace sluice::core {

enum class ErrorCode {
  // caller_*: the request itself is wrong.
  kCallerInvalidJson,
  kCallerInvalidRequest,
  kCallerUnsupportedFeature,  // valid, but the serving provider's API cannot express it
  kCallerUnknownModel,
  kCallerNotFound,
  kCallerMethodNotAllowed,
  kCallerBodyTooLarge,
  kCallerHeadersTooLarge,
  kCallerTimeout,
  kCallerUnauthorized,
  kCallerCancelled,
  // policy_*: the gateway's own rules refused it.
  kPolicyRateLimited,
  kPolicyBudgetExceeded,
  kPolicyBlocked,
  kPolicyQueueFull,     // the pool is saturated and its fair queue full (or the request sheddable)
  kPolicyQueueTimeout,  // waited in the fair queue past its deadline
  // provider_*: the upstream failed or refused.
  kProviderInvalidRequest,
  kProviderAuthFailed,
  kProviderRateLimited,
  kProviderOverloaded,
  kProviderServerError,
  kProviderTimeout,
  kProviderConnectionFailed,
  kProviderBadResponse,
  // gateway_*: our own fault or state.
  kGatewayInternal,
  kGatewayDraining,
  kGatewayStoreUnavailable,  // the shared state store (Redis) is down and fail_mode is closed
};

// Stable wire name, e.g. "caller_unknown_model".
std::string_view ErrorCodeName(ErrorCode code);
// HTTP status the gateway answers with for this code.
int ErrorCodeStatus(ErrorCode code);
// OpenAI `error.type` for this code (what OpenAI's own API would say).
std::string_view OpenAiErrorType(ErrorCode code);

struct GatewayError {
  GatewayError() = default;
  GatewayError(ErrorCode c, std::string msg, std::string field = {})
      : code(c), message(std::move(msg)), param(std::move(field)) {}

  ErrorCode code = ErrorCode::kGatewayInternal;
  std::string message;
  std::string param;  // the offending request field, empty if none
  int status = 0;     // 0: ErrorCodeStatus(code); set to keep an upstream 4xx status as is

  int http_status() const { return status ? status : ErrorCodeStatus(code); }
};

}  // namespace sluice::core
