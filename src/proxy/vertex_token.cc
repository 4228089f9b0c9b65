// Vertex AI access tokens: an RS256-signed JWT assertion of the provider's service account is
// traded at its token_uri for an OAuth2 access token (RFC 7523), cached per worker until five
// minutes before it expires. Two requests of one worker that find no token both fetch one; the
// later simply replaces the earlier.
#include "providers/upstream_errors.h"
#include "proxy/gateway.h"
#include "proxy/upstream_io.h"

namespace sluice::proxy {

using boost::asio::awaitable;
using core::ErrorCode;
using core::GatewayError;
using http::UpstreamFailure;
namespace gemini = providers::gemini;

namespace {

constexpr size_t kMaxTokenResponse = 64 * 1024;
constexpr auto kTokenDeadline = std::chrono::seconds(10);

GatewayError TokenError(const config::Provider& provider, const std::string& why) {
  return GatewayError(ErrorCode::kProviderAuthFailed,
                      "provider '" + provider.name + "' could not get a Vertex AI access token: " +
                          why);
}

}  // namespace

awaitable<bool> VertexAccessToken(RequestContext& ctx, std::string& token, GatewayError& error) {
  const config::Provider& provider = *ctx.target->provider;
  const VertexAuth* auth = ctx.snapshot->vertex(provider.name);
  if (!auth) {
    error = TokenError(provider, "no service account loaded");
    co_return false;
  }
  gemini::TokenCache& cache =
      ctx.worker.vertex_tokens[provider.name + "|" + auth->account.client_email];
  auto now = std::chrono::system_clock::now();
  if (cache.Fresh(now)) {
    token = cache.token().token;
    co_return true;
  }
  std::string why;
  std::string assertion = gemini::BuildJwtAssertion(auth->account, gemini::kCloudPlatformScope,
                                                    now, why);
  if (assertion.empty()) {
    error = TokenError(provider, why);
    co_return false;
  }
  std::string body = gemini::TokenRequestBody(assertion);
  const http::UpstreamOrigin& origin = auth->token_origin;
  std::string head = "POST " + auth->token_path + " HTTP/1.1\r\nhost: " + origin.host_header +
                     "\r\ncontent-type: application/x-www-form-urlencoded\r\ncontent-length: " +
                     std::to_string(body.size()) + "\r\naccept: application/json\r\n\r\n";
  UpstreamFailure failure = UpstreamFailure::kNone;
  std::unique_ptr<http::UpstreamConnection> conn;
  std::optional<http::UpstreamCall> call;
  {
    UpstreamWaitTimer wait(ctx);
    conn = co_await ctx.worker.pool.Acquire(origin, provider.connect_timeout, failure);
    if (conn) {
      call.emplace(*conn, provider.connect_timeout);
      call->set_deadline(std::chrono::steady_clock::now() + kTokenDeadline);
      failure = co_await call->Send(head, body);
    }
  }
  std::string response;
  if (failure == UpstreamFailure::kNone)
    failure = co_await ReadWholeBody(ctx, *call, response, kMaxTokenResponse);
  if (failure != UpstreamFailure::kNone) {
    error = TokenError(provider, "token endpoint: " +
                                     std::string(http::UpstreamFailureName(failure)));
    co_return false;
  }
  if (call->reusable() && !ctx.worker.stopping) ctx.worker.pool.Release(origin, std::move(conn), 4);
  if (call->status() != 200) {
    error = TokenError(provider, "token endpoint answered " + std::to_string(call->status()) +
                                     ": " + providers::UpstreamErrorMessage(response));
    co_return false;
  }
  gemini::AccessToken fresh;
  if (!gemini::ParseTokenResponse(response, now, fresh, why)) {
    error = TokenError(provider, why);
    co_return false;
  }
  token = fresh.token;
  cache.Store(std::move(fresh));
  co_return true;
}

}  // namespace sluice::proxy
