#pragma once
// OpenAI embeddings requests served by the Gemini API (models/<m>:batchEmbedContents), sans-I/O.
// Text inputs only: token-id inputs and `user` cannot be expressed and are refused.
// `dimensions` becomes outputDimensionality. Gemini reports no token usage for embeddings.
#include <boost/json/object.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace sluice::providers::gemini {

// `count` receives the number of inputs (the answer must have as many vectors).
bool EncodeGeminiEmbeddings(const boost::json::object& openai_body, std::string_view model,
                            std::string& body, size_t* count, core::GatewayError& error);
bool DecodeGeminiEmbeddings(std::string_view body, std::vector<std::vector<double>>& out,
                            core::GatewayError& error);

}  // namespace sluice::providers::gemini
