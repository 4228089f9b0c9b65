#include "api/openai_embeddings.h"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <cstring>

namespace sluice::api {

namespace json = boost::json;

std::string Base64Floats(const std::vector<double>& values) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string bytes;
  for (double d : values) {
    float f = static_cast<float>(d);
    uint32_t bits;
    std::memcpy(&bits, &f, sizeof bits);
    for (int b = 0; b < 4; ++b) bytes.push_back(static_cast<char>((bits >> (8 * b)) & 0xff));
  }
  std::string out;
  for (size_t i = 0; i < bytes.size(); i += 3) {
    uint32_t n = static_cast<uint32_t>(static_cast<unsigned char>(bytes[i])) << 16;
    if (i + 1 < bytes.size())
      n |= static_cast<uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8;
    if (i + 2 < bytes.size()) n |= static_cast<unsigned char>(bytes[i + 2]);
    out.push_back(kAlphabet[(n >> 18) & 63]);
    out.push_back(kAlphabet[(n >> 12) & 63]);
    out.push_back(i + 1 < bytes.size() ? kAlphabet[(n >> 6) & 63] : '=');
    out.push_back(i + 2 < bytes.size() ? kAlphabet[n & 63] : '=');
  }
  return out;
}

std::string RenderOpenAiEmbeddings(const std::vector<std::vector<double>>& vectors, bool base64,
                                   std::string_view model, uint64_t prompt_tokens) {
  json::array data;
  for (size_t i = 0; i < vectors.size(); ++i) {
    json::value embedding;
    if (base64) {
      embedding = Base64Floats(vectors[i]);
    } else {
      json::array values;
      for (double x : vectors[i]) values.push_back(x);
      embedding = std::move(values);
    }
    data.push_back(json::object{{"object", "embedding"}, {"index", i}, {"embedding", embedding}});
  }
  return json::serialize(json::object{{"object", "list"},
                                      {"data", std::move(data)},
                                      {"model", model},
                                      {"usage", json::object{{"prompt_tokens", prompt_tokens},
                                                             {"total_tokens", prompt_tokens}}}});
}

}  // namespace sluice::api
