#include "providers/gemini/gemini_embeddings.h"

#include <boost/json/serialize.hpp>

#include "api/json_fields.h"
#include "core/json_parse.h"

namespace sluice::providers::gemini {

namespace json = boost::json;
using core::ErrorCode;
using core::GatewayError;

bool EncodeGeminiEmbeddings(const json::object& openai_body, std::string_view model,
                            std::string& body, size_t* count, GatewayError& error) {
  std::vector<std::string_view> texts;
  std::optional<int64_t> dimensions;
  for (const auto& [key, value] : openai_body) {
    if (key == "model" || key == "encoding_format" || value.is_null()) continue;
    if (key == "dimensions") {
      if (!api::ReadInt(openai_body, key, "dimensions", dimensions, error)) return false;
    } else if (key == "input") {
      if (value.is_string()) {
        texts.push_back(value.get_string());
      } else if (value.is_array()) {
        for (const auto& item : value.get_array()) {
          if (!item.is_string())
            return api::UnsupportedField(error, "input",
                                         "token-id inputs cannot be sent to a Gemini model");
          texts.push_back(item.get_string());
        }
      }
    } else {
      return api::UnsupportedField(error, std::string(key),
                                   "cannot be expressed in Gemini's embedding API");
    }
  }
  if (texts.empty()) return api::InvalidField(error, "input", "must not be empty");
  std::string name = "models/" + std::string(model);
  json::array requests;
  for (auto text : texts) {
    json::object r{{"model", name},
                   {"content", json::object{{"parts", json::array{json::object{{"text", text}}}}}}};
    if (dimensions) r["outputDimensionality"] = *dimensions;
    requests.push_back(std::move(r));
  }
  body = json::serialize(json::object{{"requests", std::move(requests)}});
  *count = texts.size();
  return true;
}

bool DecodeGeminiEmbeddings(std::string_view body, std::vector<std::vector<double>>& out,
                            GatewayError& error) {
  boost::system::error_code ec;
  json::value doc = core::ParseJson(body, {}, ec);
  const json::array* embeddings =
      !ec && doc.is_object() ? api::ArrayAt(doc.get_object(), "embeddings") : nullptr;
  if (!embeddings) {
    error = GatewayError(ErrorCode::kProviderBadResponse, "upstream embeddings answer is malformed");
    return false;
  }
  for (const auto& e : *embeddings) {
    const json::array* values = e.is_object() ? api::ArrayAt(e.get_object(), "values") : nullptr;
    if (!values) {
      error = GatewayError(ErrorCode::kProviderBadResponse, "upstream embedding has no values");
      return false;
    }
    std::vector<double> v;
    v.reserve(values->size());
    for (const auto& x : *values) {
      if (!x.is_number()) {
        error = GatewayError(ErrorCode::kProviderBadResponse, "upstream embedding is not numeric");
        return false;
      }
      v.push_back(x.to_number<double>());
    }
    out.push_back(std::move(v));
  }
  return true;
}

}  // namespace sluice::providers::gemini
