#pragma once
// OpenAI embeddings requests served by Bedrock InvokeModel (/model/<id>/invoke), sans-I/O. The
// body depends on the model family: Amazon Titan text embeddings take one text per call
// ({"inputText", "dimensions"}), so a request with several inputs is refused; Cohere embed models
// take a list ({"texts", "input_type": "search_document"}). Other model families are refused.
#include <boost/json/object.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace sluice::providers::bedrock {

bool EncodeBedrockEmbeddings(const boost::json::object& openai_body, std::string_view model,
                             std::string& body, size_t* count, core::GatewayError& error);
// `tokens`: the input tokens Bedrock counted (Titan), 0 when not reported.
bool DecodeBedrockEmbeddings(std::string_view model, std::string_view body,
                             std::vector<std::vector<double>>& out, uint64_t* tokens,
                             core::GatewayError& error);

}  // namespace sluice::providers::bedrock
