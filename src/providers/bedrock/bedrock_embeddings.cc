#include "providers/bedrock/bedrock_embeddings.h"

#include <boost/json/serialize.hpp>

#include "api/json_fields.h"
#include "core/json_parse.h"
#include "providers/gemini/gemini_embeddings.h"

namespace sluice::providers::bedrock {

namespace json = boost::json;
using core::ErrorCode;
using core::GatewayError;

namespace {

// Model ids may carry a region prefix ("us.cohere.embed-v4:0").
bool IsFamily(std::string_view model, std::string_view family) {
  return model.find(family) != std::string_view::npos;
}

GatewayError Malformed(std::string what) {
  return GatewayError(ErrorCode::kProviderBadResponse, "upstream " + std::move(what));
}

bool ReadVector(const json::value& v, std::vector<double>& out) {
  if (!v.is_array()) return false;
  for (const auto& x : v.get_array()) {
    if (!x.is_number()) return false;
    out.push_back(x.to_number<double>());
  }
  return true;
}

}  // namespace

bool EncodeBedrockEmbeddings(const json::object& openai_body, std::string_view model,
                             std::string& body, size_t* count, GatewayError& error) {
  std::vector<std::string_view> texts;
  std::optional<int64_t> dimensions;
  if (!gemini::EmbeddingInputs(openai_body, "Bedrock's embedding models", texts, dimensions,
                               error))
    return false;
  if (IsFamily(model, "titan-embed")) {
    if (texts.size() != 1)
      return api::UnsupportedField(error, "input",
                                   "holds several texts: Titan embeds one text per request");
    json::object o{{"inputText", texts[0]}};
    if (dimensions) o["dimensions"] = *dimensions;
    body = json::serialize(o);
  } else if (IsFamily(model, "cohere.embed")) {
    if (dimensions)
      return api::UnsupportedField(error, "dimensions", "is not taken by Cohere embed models");
    json::array list;
    for (auto t : texts) list.push_back(json::value(t));
    body = json::serialize(
        json::object{{"texts", std::move(list)}, {"input_type", "search_document"}});
  } else {
    return api::UnsupportedField(error, "model",
                                 "is not a Bedrock embedding model the gateway can serve (Amazon "
                                 "Titan or Cohere embed)");
  }
  *count = texts.size();
  return true;
}

bool DecodeBedrockEmbeddings(std::string_view model, std::string_view body,
                             std::vector<std::vector<double>>& out, uint64_t* tokens,
                             GatewayError& error) {
  boost::system::error_code ec;
  json::value doc = core::ParseJson(body, {}, ec);
  if (ec || !doc.is_object()) return error = Malformed("embeddings answer is not JSON"), false;
  const json::object& o = doc.get_object();
  *tokens = api::UintAt(o, "inputTextTokenCount");
  if (IsFamily(model, "titan-embed")) {
    std::vector<double> v;
    const json::value* e = o.if_contains("embedding");
    if (!e || !ReadVector(*e, v)) return error = Malformed("embedding is malformed"), false;
    out.push_back(std::move(v));
    return true;
  }
  const json::value* list = o.if_contains("embeddings");
  // Cohere embed v3 answers a list of vectors, or {"float": [...]} when embedding types are asked.
  if (list && list->is_object()) list = list->get_object().if_contains("float");
  if (!list || !list->is_array()) return error = Malformed("embeddings are malformed"), false;
  for (const auto& item : list->get_array()) {
    std::vector<double> v;
    if (!ReadVector(item, v)) return error = Malformed("embedding is malformed"), false;
    out.push_back(std::move(v));
  }
  return true;
}

}  // namespace sluice::providers::bedrock
