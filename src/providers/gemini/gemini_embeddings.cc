#include "providers/gemini/gemini_embeddings.h"

#include <boost/json/serialize.hpp>

#include "api/json_fields.h"
#include "core/json_parse.h"

namespace sluice::providers::gemini {

namespace json = boost::json;
using core::ErrorCode;
using core::GatewayError;

bool EmbeddingInputs(const json::object& openai_body, std::string_view provider_api,
                     std::vector<std::string_view>& texts, std::optional<int64_t>& dimensions,
                     GatewayError& error) {
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
                                         "token-id inputs cannot be sent to " +
                                             std::string(provider_api));
          texts.push_back(item.get_string());
        }
      }
    } else {
      return api::UnsupportedField(error, std::string(key),
                                   "cannot be expressed in " + std::string(provider_api));
    }
  }
  if (texts.empty()) return api::InvalidField(error, "input", "must not be empty");
  return true;
}

bool EncodeGeminiEmbeddings(const json::object& openai_body, std::string_view model,
                            std::string& body, size_t* count, GatewayError& error) {
  std::vector<std::string_view> texts;
  std::optional<int64_t> dimensions;
  if (!EmbeddingInputs(openai_body, "Gemini's embedding API", texts, dimensions, error))
    return false;
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

bool EncodeVertexEmbeddings(const json::object& openai_body, std::string& body, size_t* count,
                            GatewayError& error) {
  std::vector<std::string_view> texts;
  std::optional<int64_t> dimensions;
  if (!EmbeddingInputs(openai_body, "Vertex AI's embedding API", texts, dimensions, error))
    return false;
  json::array instances;
  for (auto text : texts) instances.push_back(json::object{{"content", text}});
  json::object o{{"instances", std::move(instances)}};
  if (dimensions) o["parameters"] = json::object{{"outputDimensionality", *dimensions}};
  body = json::serialize(o);
  *count = texts.size();
  return true;
}

namespace {

GatewayError Malformed(std::string what) {
  return GatewayError(ErrorCode::kProviderBadResponse, "upstream " + std::move(what));
}

bool ReadValues(const json::array& values, std::vector<double>& v) {
  v.reserve(values.size());
  for (const auto& x : values) {
    if (!x.is_number()) return false;
    v.push_back(x.to_number<double>());
  }
  return true;
}

}  // namespace

bool DecodeVertexEmbeddings(std::string_view body, std::vector<std::vector<double>>& out,
                            uint64_t* tokens, GatewayError& error) {
  boost::system::error_code ec;
  json::value doc = core::ParseJson(body, {}, ec);
  const json::array* predictions =
      !ec && doc.is_object() ? api::ArrayAt(doc.get_object(), "predictions") : nullptr;
  if (!predictions) return error = Malformed("embeddings answer is malformed"), false;
  *tokens = 0;
  for (const auto& p : *predictions) {
    const json::object* emb = p.is_object() ? api::ObjectAt(p.get_object(), "embeddings") : nullptr;
    const json::array* values = emb ? api::ArrayAt(*emb, "values") : nullptr;
    std::vector<double> v;
    if (!values || !ReadValues(*values, v))
      return error = Malformed("embedding has no numeric values"), false;
    if (const json::object* stats = api::ObjectAt(*emb, "statistics"))
      *tokens += api::UintAt(*stats, "token_count");
    out.push_back(std::move(v));
  }
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
