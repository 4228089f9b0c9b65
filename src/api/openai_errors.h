#pragma once
// Rendering of errors in the OpenAI dialect: {"error":{"message","type","param","code"}}.
#include <string>

#include "core/error.h"

namespace sluice::api {

std::string RenderOpenAiError(const core::GatewayError& error);
// The final event of a stream that failed after its first byte: `data: {"error":...}\n\n`.
std::string RenderOpenAiStreamError(const core::GatewayError& error);

}  // namespace sluice::api
