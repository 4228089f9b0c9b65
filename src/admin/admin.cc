#include "admin/admin.h"

#include <charconv>

#include "api/openai_errors.h"

namespace sluice::admin {

using boost::asio::awaitable;

awaitable<void> AdminHandler::Handle(http::Exchange& ex) {
  std::string_view target = ex.request().target();
  std::string_view path = target.substr(0, target.find('?'));
  bool get = ex.request().method() == boost::beast::http::verb::get;
  if (get && path == "/healthz") {
    co_await ex.Reply(200, "text/plain", "ok\n", http::kNoHeaders);
  } else if (get && path == "/readyz") {
    bool ready = source_.ready();
    co_await ex.Reply(ready ? 200 : 503, "text/plain", ready ? "ready\n" : "draining\n",
                      http::kNoHeaders);
  } else if (get && path == "/admin/stats") {
    int window_s = 60;
    if (auto at = target.find("window="); at != std::string_view::npos) {
      std::string_view v = target.substr(at + 7);
      std::from_chars(v.data(), v.data() + v.size(), window_s);
    }
    std::string json = co_await source_.LiveStatsJson(window_s);
    co_await ex.Reply(200, "application/json", json, http::kNoHeaders);
  } else if (get && path == "/admin/providers") {
    std::string json = source_.ProvidersJson();
    co_await ex.Reply(200, "application/json", json, http::kNoHeaders);
  } else if (get && path == "/admin/usage") {
    auto q = target.find('?');
    auto [status, json] = source_.UsageJson(q == std::string_view::npos ? "" : target.substr(q + 1));
    co_await ex.Reply(status, "application/json", json, http::kNoHeaders);
  } else if (get && path.starts_with("/sim/") && path.ends_with("/metrics") &&
             path.size() > 13) {
    std::optional<std::string> text = source_.SimReplicaMetrics(path.substr(5, path.size() - 13));
    if (text) {
      co_await ex.Reply(200, "text/plain; version=0.0.4; charset=utf-8", *text, http::kNoHeaders);
    } else {
      core::GatewayError error{core::ErrorCode::kCallerNotFound, "no sim replica of that name", ""};
      std::string body = api::RenderOpenAiError(error);
      co_await ex.Reply(404, "application/json", body, http::kNoHeaders);
    }
  } else if (get && path == "/metrics") {
    std::string text = co_await source_.ScrapeMetrics();
    co_await ex.Reply(200, "text/plain; version=0.0.4; charset=utf-8", text, http::kNoHeaders);
  } else {
    core::GatewayError error{core::ErrorCode::kCallerNotFound, "no such admin endpoint", ""};
    std::string body = api::RenderOpenAiError(error);
    co_await ex.Reply(404, "application/json", body, http::kNoHeaders);
  }
}

}  // namespace sluice::admin
