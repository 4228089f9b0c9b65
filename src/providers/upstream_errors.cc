#include "providers/upstream_errors.h"

#include "core/json_parse.h"
#include <boost/json/value.hpp>

namespace sluice::providers {

namespace json = boost::json;
using core::ErrorCode;

std::string UpstreamErrorMessage(std::string_view body) {
  boost::system::error_code ec;
  json::value v = core::ParseJson(body, {}, ec);
  if (!ec && v.is_object()) {
    const json::value* err = v.get_object().if_contains("error");
    if (err && err->is_object()) {
      const json::value* msg = err->get_object().if_contains("message");
      if (msg && msg->is_string()) return std::string(msg->get_string());
    }
    if (err && err->is_string()) {  // OAuth2 shape: {"error":"invalid_grant","error_description"}
      std::string text(err->get_string());
      const json::value* desc = v.get_object().if_contains("error_description");
      if (desc && desc->is_string()) text += ": " + std::string(desc->get_string());
      return text;
    }
    const json::value* msg = v.get_object().if_contains("message");
    if (msg && msg->is_string()) return std::string(msg->get_string());
  }
  std::string excerpt;
  for (char c : body.substr(0, 200)) excerpt += (c >= 32 && c < 127) ? c : ' ';
  return excerpt;
}

core::GatewayError ClassifyUpstreamStatus(int status, std::string_view provider,
                                          std::string_view body) {
  std::string detail = UpstreamErrorMessage(body);
  std::string prefix = "provider '" + std::string(provider) + "' answered " +
                       std::to_string(status) + (detail.empty() ? "" : ": ");
  core::GatewayError error{ErrorCode::kProviderServerError, prefix + detail, ""};
  if (status == 401 || status == 403) {
    error.code = ErrorCode::kProviderAuthFailed;
  } else if (status == 429) {
    error.code = ErrorCode::kProviderRateLimited;
  } else if (status == 503 || status == 529) {
    error.code = ErrorCode::kProviderOverloaded;
  } else if (status == 504 || status == 408) {
    error.code = ErrorCode::kProviderTimeout;
  } else if (status >= 400 && status < 500) {
    error.code = ErrorCode::kProviderInvalidRequest;
    error.status = status;
  } else if (status < 200 || (status >= 300 && status < 400)) {
    error.code = ErrorCode::kProviderBadResponse;
  }
  return error;
}

}  // namespace sluice::providers
