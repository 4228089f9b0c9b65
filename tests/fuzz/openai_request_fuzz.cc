// libFuzzer target: arbitrary request bodies through OpenAI request parsing and validation, for
// each endpoint kind. Invariants: no crash; a rejection always carries a code and a message; and
// whatever the one-pass scan accepts, the DOM path accepts with the same fields, and the body it
// splices for the upstream reads as the DOM path's edited body.
#include <boost/json/value.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "api/openai_request.h"
#include "core/json_parse.h"
#include "core/json_test_util.h"

namespace {

using sluice::api::ParsedRequest;

void CheckSplice(ParsedRequest& scan, ParsedRequest& dom, std::string_view model, bool add_usage) {
  auto spliced = sluice::api::SpliceUpstreamBody(*scan.unparsed, model, add_usage);
  if (!spliced) {
    if (!add_usage || !scan.unparsed->has_stream_options) std::abort();
    return;
  }
  boost::system::error_code ec;
  boost::json::value got = sluice::core::ParseJson(*spliced, {}, ec);
  if (ec) std::abort();
  boost::json::object want = dom.body();
  sluice::api::EditUpstreamBody(want, model, add_usage);
  if (!sluice::core::SameJson(got, boost::json::value(want))) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  for (auto kind : {sluice::api::ApiKind::kChatCompletions, sluice::api::ApiKind::kCompletions,
                    sluice::api::ApiKind::kEmbeddings}) {
    ParsedRequest out;
    sluice::core::GatewayError error;
    if (!sluice::api::ParseOpenAiRequest(kind, body, out, error) && error.message.empty())
      std::abort();

    ParsedRequest scan;
    if (!sluice::api::ScanOpenAiRequest(kind, body, scan)) continue;
    ParsedRequest dom;
    if (!sluice::api::ParseOpenAiRequestDom(kind, body, dom, error)) std::abort();
    if (scan.model != dom.model || scan.stream != dom.stream ||
        scan.client_wants_usage != dom.client_wants_usage || scan.max_tokens != dom.max_tokens ||
        scan.prompt_chars != dom.prompt_chars)
      std::abort();
    CheckSplice(scan, dom, "m", false);
    CheckSplice(scan, dom, scan.model, true);
  }
  return 0;
}
