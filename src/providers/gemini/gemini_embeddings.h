#pragma once
// OpenAI embeddings requests served by the Gemini API (models/<m>:batchEmbedContents) and by
// Vertex AI (models/<m>:predict), sans-I/O. Text inputs only: token-id inputs and `user` cannot
// be expressed and are refused. `dimensions` becomes outputDimensionality. The Gemini API reports
// no token usage for embeddings; Vertex reports a token count per input.
#include <boost/json/object.hpp>
#include <optional>
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

// The text inputs of an OpenAI embeddings body (and its `dimensions`), or false with the error.
bool EmbeddingInputs(const boost::json::object& openai_body, std::string_view provider_api,
                     std::vector<std::string_view>& texts, std::optional<int64_t>& dimensions,
                     core::GatewayError& error);

bool EncodeVertexEmbeddings(const boost::json::object& openai_body, std::string& body,
                            size_t* count, core::GatewayError& error);
// `tokens`: the input tokens Vertex counted (summed over the inputs).
bool DecodeVertexEmbeddings(std::string_view body, std::vector<std::vector<double>>& out,
                            uint64_t* tokens, core::GatewayError& error);

}  // namespace sluice::providers::gemini
