#include "providers/upstream_errors.h"

#include <gtest/gtest.h>

#include "api/openai_errors.h"

namespace sluice::providers {
namespace {

using core::ErrorCode;

TEST(ClassifyUpstreamStatus, MapsEveryFaultDomain) {
  struct Case {
    int upstream;
    ErrorCode code;
    int client_status;
  } cases[] = {
      {400, ErrorCode::kProviderInvalidRequest, 400},
      {404, ErrorCode::kProviderInvalidRequest, 404},
      {422, ErrorCode::kProviderInvalidRequest, 422},
      {401, ErrorCode::kProviderAuthFailed, 502},
      {403, ErrorCode::kProviderAuthFailed, 502},
      {429, ErrorCode::kProviderRateLimited, 429},
      {500, ErrorCode::kProviderServerError, 502},
      {502, ErrorCode::kProviderServerError, 502},
      {503, ErrorCode::kProviderOverloaded, 503},
      {529, ErrorCode::kProviderOverloaded, 503},
      {504, ErrorCode::kProviderTimeout, 504},
      {302, ErrorCode::kProviderBadResponse, 502},
  };
  for (const auto& c : cases) {
    auto e = ClassifyUpstreamStatus(c.upstream, "p", "");
    EXPECT_EQ(e.code, c.code) << c.upstream;
    EXPECT_EQ(e.http_status(), c.client_status) << c.upstream;
  }
}

TEST(UpstreamErrorMessage, ReadsProviderMessages) {
  EXPECT_EQ(UpstreamErrorMessage(R"({"error":{"message":"bad key","type":"x"}})"), "bad key");
  EXPECT_EQ(UpstreamErrorMessage(
                R"({"type":"error","error":{"type":"overloaded_error","message":"busy"}})"),
            "busy");
  EXPECT_EQ(UpstreamErrorMessage("<html>\n502</html>"), "<html> 502</html>");
}

TEST(RenderOpenAiError, HasTheOpenAiShape) {
  core::GatewayError e{ErrorCode::kCallerInvalidRequest, "'model' is required", "model"};
  EXPECT_EQ(api::RenderOpenAiError(e),
            R"({"error":{"message":"'model' is required","type":"invalid_request_error",)"
            R"("param":"model","code":"caller_invalid_request"}})");
  core::GatewayError p{ErrorCode::kProviderRateLimited, "slow down", ""};
  EXPECT_EQ(api::RenderOpenAiStreamError(p),
            "data: {\"error\":{\"message\":\"slow down\",\"type\":\"rate_limit_error\","
            "\"param\":null,\"code\":\"provider_rate_limited\"}}\n\n");
}

TEST(ErrorTaxonomy, OurRateLimitAndTheProvidersAreDistinguishable) {
  EXPECT_EQ(core::ErrorCodeStatus(ErrorCode::kPolicyRateLimited), 429);
  EXPECT_EQ(core::ErrorCodeStatus(ErrorCode::kProviderRateLimited), 429);
  EXPECT_NE(core::ErrorCodeName(ErrorCode::kPolicyRateLimited),
            core::ErrorCodeName(ErrorCode::kProviderRateLimited));
}

}  // namespace
}  // namespace sluice::providers
