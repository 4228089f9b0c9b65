#include "core/error.h"

namespace sluice::core {

std::string_view ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kCallerInvalidJson:
      return "caller_invalid_json";
    case ErrorCode::kCallerInvalidRequest:
      return "caller_invalid_request";
    case ErrorCode::kCallerUnsupportedFeature:
      return "caller_unsupported_feature";
    case ErrorCode::kCallerUnknownModel:
      return "caller_unknown_model";
    case ErrorCode::kCallerNotFound:
      return "caller_not_found";
    case ErrorCode::kCallerMethodNotAllowed:
      return "caller_method_not_allowed";
    case ErrorCode::kCallerBodyTooLarge:
      return "caller_body_too_large";
    case ErrorCode::kCallerHeadersTooLarge:
      return "caller_headers_too_large";
    case ErrorCode::kCallerTimeout:
      return "caller_timeout";
    case ErrorCode::kCallerUnauthorized:
      return "caller_unauthorized";
    case ErrorCode::kCallerCancelled:
      return "caller_cancelled";
    case ErrorCode::kPolicyRateLimited:
      return "policy_rate_limited";
    case ErrorCode::kPolicyBudgetExceeded:
      return "policy_budget_exceeded";
    case ErrorCode::kPolicyBlocked:
      return "policy_blocked";
    case ErrorCode::kPolicyQueueFull:
      return "policy_queue_full";
    case ErrorCode::kPolicyQueueTimeout:
      return "policy_queue_timeout";
    case ErrorCode::kProviderInvalidRequest:
      return "provider_invalid_request";
    case ErrorCode::kProviderAuthFailed:
      return "provider_auth_failed";
    case ErrorCode::kProviderRateLimited:
      return "provider_rate_limited";
    case ErrorCode::kProviderOverloaded:
      return "provider_overloaded";
    case ErrorCode::kProviderServerError:
      return "provider_server_error";
    case ErrorCode::kProviderTimeout:
      return "provider_timeout";
    case ErrorCode::kProviderConnectionFailed:
      return "provider_connection_failed";
    case ErrorCode::kProviderBadResponse:
      return "provider_bad_response";
    case ErrorCode::kGatewayInternal:
      return "gateway_internal";
    case ErrorCode::kGatewayDraining:
      return "gateway_draining";
    case ErrorCode::kGatewayStoreUnavailable:
      return "gateway_store_unavailable";
  }
  return "gateway_internal";
}

int ErrorCodeStatus(ErrorCode code) {
  switch (code) {
    case ErrorCode::kCallerInvalidJson:
    case ErrorCode::kCallerInvalidRequest:
    case ErrorCode::kCallerUnsupportedFeature:
      return 400;
    case ErrorCode::kCallerUnknownModel:
    case ErrorCode::kCallerNotFound:
      return 404;
    case ErrorCode::kCallerMethodNotAllowed:
      return 405;
    case ErrorCode::kCallerBodyTooLarge:
      return 413;
    case ErrorCode::kCallerHeadersTooLarge:
      return 431;
    case ErrorCode::kCallerTimeout:
      return 408;
    case ErrorCode::kCallerUnauthorized:
      return 401;
    case ErrorCode::kCallerCancelled:
      return 499;  // never sent; logged for client aborts
    case ErrorCode::kPolicyRateLimited:
    case ErrorCode::kPolicyBudgetExceeded:
    case ErrorCode::kPolicyQueueFull:
    case ErrorCode::kPolicyQueueTimeout:
      return 429;
    case ErrorCode::kPolicyBlocked:
      return 403;
    case ErrorCode::kProviderInvalidRequest:
      return 400;
    case ErrorCode::kProviderAuthFailed:
      return 502;  // our credential, not the caller's
    case ErrorCode::kProviderRateLimited:
      return 429;
    case ErrorCode::kProviderOverloaded:
      return 503;
    case ErrorCode::kProviderServerError:
    case ErrorCode::kProviderConnectionFailed:
    case ErrorCode::kProviderBadResponse:
      return 502;
    case ErrorCode::kProviderTimeout:
      return 504;
    case ErrorCode::kGatewayInternal:
      return 500;
    case ErrorCode::kGatewayDraining:
    case ErrorCode::kGatewayStoreUnavailable:
      return 503;
  }
  return 500;
}

std::string_view OpenAiErrorType(ErrorCode code) {
  switch (code) {
    case ErrorCode::kCallerUnauthorized:
      return "authentication_error";
    case ErrorCode::kCallerUnknownModel:
    case ErrorCode::kCallerNotFound:
      return "not_found_error";
    case ErrorCode::kPolicyRateLimited:
    case ErrorCode::kPolicyBudgetExceeded:
    case ErrorCode::kPolicyQueueFull:
    case ErrorCode::kPolicyQueueTimeout:
    case ErrorCode::kProviderRateLimited:
      return "rate_limit_error";
    case ErrorCode::kPolicyBlocked:
      return "permission_error";
    case ErrorCode::kCallerInvalidJson:
    case ErrorCode::kCallerInvalidRequest:
    case ErrorCode::kCallerUnsupportedFeature:
    case ErrorCode::kCallerMethodNotAllowed:
    case ErrorCode::kCallerBodyTooLarge:
    case ErrorCode::kCallerHeadersTooLarge:
    case ErrorCode::kCallerTimeout:
    case ErrorCode::kCallerCancelled:
    case ErrorCode::kProviderInvalidRequest:
      return "invalid_request_error";
    case ErrorCode::kProviderTimeout:
      return "timeout_error";
    default:
      return "api_error";
  }
}

}  // namespace sluice::core
