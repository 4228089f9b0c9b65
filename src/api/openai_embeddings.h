#pragma once
// The OpenAI embeddings answer, for embeddings made by anything else than an OpenAI-API upstream
// (the sim, Gemini): {"object":"list","data":[{"object":"embedding","index","embedding"}],...}.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::api {

// `base64`: the client asked encoding_format "base64" (little-endian float32, as the official SDKs
// do by default); otherwise arrays of numbers.
std::string RenderOpenAiEmbeddings(const std::vector<std::vector<double>>& vectors, bool base64,
                                   std::string_view model, uint64_t prompt_tokens);

// Little-endian float32 values, base64 encoded.
std::string Base64Floats(const std::vector<double>& values);

}  // namespace sluice::api
