#include "api/openai_errors.h"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace sluice::api {

std::string RenderOpenAiError(const core::GatewayError& error) {
  boost::json::object inner;
  inner["message"] = error.message;
  inner["type"] = core::OpenAiErrorType(error.code);
  if (error.param.empty())
    inner["param"] = nullptr;
  else
    inner["param"] = error.param;
  inner["code"] = core::ErrorCodeName(error.code);
  boost::json::object outer;
  outer["error"] = std::move(inner);
  return boost::json::serialize(outer);
}

std::string RenderOpenAiStreamError(const core::GatewayError& error) {
  return "data: " + RenderOpenAiError(error) + "\n\n";
}

}  // namespace sluice::api
