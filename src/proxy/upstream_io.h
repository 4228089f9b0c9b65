#pragma once
// What every HTTP provider attempt shares, whatever the provider's API: the request head (auth,
// trace context, forwarded headers), opening a pooled connection and sending, reading bodies,
// and turning transport failures and non-2xx answers into attempt results.
#include <boost/asio/awaitable.hpp>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "http/upstream_client.h"
#include "proxy/attempt.h"
#include "proxy/request_context.h"

namespace sluice::proxy {

constexpr size_t kMaxErrorBody = 1 << 20;
constexpr size_t kMaxJsonBody = 64 << 20;

// "POST <base path><path>" with host, content type and length, accept, x-request-id, trace context
// and the provider's forward_headers. `auth` holds ready header lines ("name: value\r\n"...).
std::string BuildHead(const RequestContext& ctx, const http::UpstreamOrigin& origin,
                      const config::Provider& provider, std::string_view path,
                      std::string_view auth, size_t body_size, bool stream);

// Where an OpenAI-API provider takes `suffix` ("/chat/completions", "/embeddings"...) and how it
// authenticates: azure-openai puts the deployment (upstream model) and api-version in the path
// and the key in api-key; the others take the suffix as is and a Bearer key.
void OpenAiPathAndAuth(const config::Provider& provider, std::string_view upstream_model,
                       std::string_view key, std::string_view suffix, std::string& path,
                       std::string& auth);

// Picks the provider key for this attempt (ctx.key_index; none if the provider has no keys).
// False when every key is dead or resting: `failed` is the attempt's result then.
bool PickKey(RequestContext& ctx, AttemptResult& failed);
// The secret of the attempt's key; empty when the provider has none.
std::string_view AttemptKey(const RequestContext& ctx);
// Reports the upstream's verdict on the attempt's key: 401/403 kill it, 429 rests it, 2xx clears.
void NoteKeyResult(const RequestContext& ctx, int status,
                   std::optional<std::chrono::milliseconds> retry_after);

// Hands the provider's x-ratelimit-remaining/reset headers (or a 429) to its quota, when it has
// one, whichever model asked (called by OpenUpstream for every answer).
void NoteQuotaHeaders(RequestContext& ctx, const http::UpstreamCall& call);

core::GatewayError FailureError(http::UpstreamFailure f, const std::string& provider,
                                bool mid_stream);
AttemptResult FailedBeforeCommit(RequestContext& ctx, http::UpstreamFailure f,
                                 const config::Provider& provider);

// One upstream exchange on a pooled connection: Open sends the request (retrying once on a stale
// pooled connection); Release returns the connection to the pool when it can be reused.
struct UpstreamExchange {
  std::unique_ptr<http::UpstreamConnection> conn;
  std::optional<http::UpstreamCall> call;
  http::UpstreamCall::TimePoint first_deadline;  // TTFT (or total) deadline
  http::UpstreamCall::TimePoint total_deadline;
};
boost::asio::awaitable<http::UpstreamFailure> OpenUpstream(RequestContext& ctx,
                                                           const http::UpstreamOrigin& origin,
                                                           const std::string& head,
                                                           const std::string& body,
                                                           UpstreamExchange& ux);
void ReleaseUpstream(RequestContext& ctx, const http::UpstreamOrigin& origin,
                     UpstreamExchange& ux);

// The next piece of the upstream body; the wait counts as upstream time, not gateway overhead.
boost::asio::awaitable<http::UpstreamFailure> ReadPiece(RequestContext& ctx,
                                                        http::UpstreamCall& call,
                                                        std::string_view& piece, bool& done);
// Reads the rest of a body into `out`, up to `limit` bytes.
boost::asio::awaitable<http::UpstreamFailure> ReadWholeBody(RequestContext& ctx,
                                                            http::UpstreamCall& call,
                                                            std::string& out, size_t limit);
// The same without waiting (nearly always the whole body came with the head): true when the body
// is read, or failed (`failure`); false when the rest must come from ReadWholeBody.
bool TakeWholeBody(http::UpstreamCall& call, std::string& out, size_t limit,
                   http::UpstreamFailure& failure);
// A non-2xx upstream answer: nothing was sent to the client yet, so it may still fail over.
boost::asio::awaitable<AttemptResult> UpstreamStatusFailure(RequestContext& ctx,
                                                            http::UpstreamCall& call,
                                                            const config::Provider& provider);
// Ends a committed stream that outgrew a hard limit: a final policy_budget_exceeded error event in
// the client's dialect (clients of another dialect than the provider's: see translated_relay).
boost::asio::awaitable<AttemptResult> EndStreamOverBudget(RequestContext& ctx);
// Ends a stream that failed after it was committed to the client: a final error event.
boost::asio::awaitable<AttemptResult> FailCommittedStream(RequestContext& ctx,
                                                          http::UpstreamFailure f,
                                                          const config::Provider& provider);

}  // namespace sluice::proxy
