#include "daemon/http/routes.h"

#include <set>
#include <string>

#include "prometheus/collectable.h"
#include "prometheus/text_serializer.h"

namespace vigie::daemon {

HttpServer::Handler MakeRoutes(RouteContext context) {
  return [ctx = std::move(context)](const HttpRequest& req) -> HttpResponse {
    std::string_view path = req.target;
    if (auto q = path.find('?'); q != std::string_view::npos) path = path.substr(0, q);
    if (req.method != "GET" && req.method != "HEAD") {
      return {405, "text/plain; charset=utf-8", "method not allowed\n"};
    }
    if (path == "/metrics") {
      std::vector<prometheus::MetricFamily> families;
      std::set<std::string> seen;
      for (const auto& c : ctx.collectables) {
        for (auto& f : c->Collect()) {
          if (seen.insert(f.name).second) families.push_back(std::move(f));
        }
      }
      prometheus::TextSerializer serializer;
      return {200, "text/plain; version=0.0.4; charset=utf-8", serializer.Serialize(families)};
    }
    if (path == "/healthz") return {200, "text/plain; charset=utf-8", "ok\n"};
    if (path.starts_with("/ack/") && ctx.ack) return ctx.ack(std::string(path.substr(5)));
    if (path.starts_with("/oncall/") && path.ends_with(".ics") && ctx.oncall_ics) {
      return ctx.oncall_ics(std::string(path.substr(8, path.size() - 8 - 4)));
    }
    if (path == "/readyz") {
      if (ctx.ready != nullptr && ctx.ready->load()) {
        return {200, "text/plain; charset=utf-8", "ready\n"};
      }
      return {503, "text/plain; charset=utf-8", "not ready\n"};
    }
    if (path == "/") {
      return {200, "text/plain; charset=utf-8",
              "vigied\n  /metrics  Prometheus metrics\n  /healthz  liveness\n"
              "  /readyz   readiness\n"};
    }
    return {404, "text/plain; charset=utf-8", "not found\n"};
  };
}

}  // namespace vigie::daemon
