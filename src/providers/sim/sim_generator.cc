#include "providers/sim/sim_generator.h"

#include "api/openai_embeddings.h"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <cmath>
#include <cstring>

namespace sluice::providers::sim {

namespace json = boost::json;
using api::ApiKind;

namespace {

constexpr std::string_view kWords[] = {
    "The",    " gateway", " routes", " tokens",   " to",    " the",    " model", " and",
    " back",  " again",   " while",  " counting", " every", " word",   " it",    " sees",
    " under", " a",       " steady", " stream",   " of",    " bright", " quick", " light",
    " calm",  " river",   " flows",  " past",     " stone", " gates",  " today", "."};
constexpr size_t kWordCount = sizeof(kWords) / sizeof(kWords[0]);

uint64_t Fnv1a(std::string_view text, uint64_t h = 1469598103934665603ULL) {
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

uint64_t Mix(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  return x ^ (x >> 33);
}

// Seed from what the prompt says, so equal prompts give equal answers.
uint64_t PromptSeed(const api::ParsedRequest& request) {
  const json::object& body = request.body();
  for (std::string_view field : {"messages", "prompt", "input"})
    if (const json::value* v = body.if_contains(field)) return Fnv1a(json::serialize(*v));
  return 0;
}

std::string AnswerText(const SimAnswer& answer) {
  std::string text;
  for (auto t : answer.tokens) text.append(t);
  return text;
}

json::object UsageObject(const SimAnswer& answer) {
  uint32_t prompt = answer.prompt_tokens;
  uint32_t completion = static_cast<uint32_t>(answer.tokens.size());
  json::object usage{{"prompt_tokens", prompt},
                     {"completion_tokens", completion},
                     {"total_tokens", prompt + completion}};
  if (answer.report_cached)
    usage["prompt_tokens_details"] = json::object{{"cached_tokens", answer.cached_tokens}};
  return usage;
}

json::object Envelope(ApiKind kind, const ResponseIds& ids, bool chunk) {
  std::string_view object = kind == ApiKind::kChatCompletions
                                ? (chunk ? "chat.completion.chunk" : "chat.completion")
                                : "text_completion";
  return {{"id", ids.id}, {"object", object}, {"created", ids.created}, {"model", ids.model}};
}


std::string_view FinishReason(const SimAnswer& answer) {
  return answer.truncated ? "length" : "stop";
}

}  // namespace

SimAnswer PlanAnswer(const api::ParsedRequest& request, const config::SimSettings& settings) {
  return PlanAnswer(PromptSeed(request), request.prompt_chars, request.max_tokens, settings);
}

SimAnswer PlanAnswer(const api::ChatRequest& request, const config::SimSettings& settings) {
  uint64_t seed = Fnv1a("");
  for (const auto& part : request.system) seed = Fnv1a(part.text, seed);
  for (const auto& message : request.messages)
    for (const auto& part : message.parts)
      seed = Fnv1a(part.arguments, Fnv1a(part.text, seed));
  return PlanAnswer(seed, request.prompt_chars, request.max_tokens.value_or(-1), settings);
}

SimAnswer PlanAnswer(uint64_t seed, uint32_t prompt_chars, int64_t max_tokens,
                     const config::SimSettings& settings) {
  SimAnswer answer;
  answer.prompt_tokens = api::EstimateTokens(prompt_chars);
  uint64_t count = settings.tokens;
  if (max_tokens > 0 && static_cast<uint64_t>(max_tokens) < count) {
    count = static_cast<uint64_t>(max_tokens);
    answer.truncated = true;
  }
  answer.tokens.reserve(count);
  for (uint64_t i = 0; i < count; ++i) answer.tokens.push_back(kWords[Mix(seed + i) % kWordCount]);
  return answer;
}

std::string RenderCompletion(ApiKind kind, const ResponseIds& ids, const SimAnswer& answer) {
  json::object body = Envelope(kind, ids, false);
  json::object choice{{"index", 0}, {"finish_reason", FinishReason(answer)}};
  if (kind == ApiKind::kChatCompletions) {
    choice["message"] = json::object{{"role", "assistant"}, {"content", AnswerText(answer)}};
  } else {
    choice["text"] = AnswerText(answer);
  }
  body["choices"] = json::array{std::move(choice)};
  body["usage"] = UsageObject(answer);
  return json::serialize(body);
}

std::string RenderChunk(ApiKind kind, const ResponseIds& ids, std::string_view token,
                        bool role_chunk, bool finish, const SimAnswer& answer) {
  json::object body = Envelope(kind, ids, true);
  json::object choice{{"index", 0}};
  if (kind == ApiKind::kChatCompletions) {
    json::object delta;
    if (role_chunk) delta["role"] = "assistant";
    if (!token.empty()) delta["content"] = token;
    choice["delta"] = std::move(delta);
  } else {
    choice["text"] = token;
  }
  choice["finish_reason"] = finish ? json::value(FinishReason(answer)) : json::value(nullptr);
  body["choices"] = json::array{std::move(choice)};
  return json::serialize(body);
}

std::string RenderUsageChunk(ApiKind kind, const ResponseIds& ids, const SimAnswer& answer) {
  json::object body = Envelope(kind, ids, true);
  body["choices"] = json::array{};
  body["usage"] = UsageObject(answer);
  return json::serialize(body);
}

std::string RenderEmbeddings(const api::ParsedRequest& request, const ResponseIds& ids,
                             const config::SimSettings& settings, uint32_t* prompt_tokens) {
  const json::object& body = request.body();
  const json::value& input = body.at("input");
  // The official SDKs ask for base64 (little-endian float32) unless told otherwise.
  const json::value* format = body.if_contains("encoding_format");
  bool base64 = format && format->is_string() && format->get_string() == "base64";
  std::vector<std::string> items;
  if (input.is_array()) {
    for (const auto& item : input.get_array())
      items.push_back(item.is_string() ? std::string(item.get_string()) : json::serialize(item));
  } else {
    items.push_back(std::string(input.get_string()));
  }
  std::vector<std::vector<double>> vectors;
  for (const auto& item : items) {
    uint64_t seed = Fnv1a(item);
    std::vector<double> v(settings.embedding_dims);
    double norm = 0;
    for (uint32_t d = 0; d < settings.embedding_dims; ++d) {
      v[d] = static_cast<double>(Mix(seed + d) % 20001) / 10000.0 - 1.0;
      norm += v[d] * v[d];
    }
    norm = norm > 0 ? std::sqrt(norm) : 1;
    for (double& x : v) x /= norm;
    vectors.push_back(std::move(v));
  }
  *prompt_tokens = api::EstimateTokens(request.prompt_chars);
  return api::RenderOpenAiEmbeddings(vectors, base64, ids.model, *prompt_tokens);
}

}  // namespace sluice::providers::sim
