// The HTTP routes of vigied: /metrics, /healthz, /readyz, /ack/<token>,
// /oncall/<schedule>.ics.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "daemon/http/http_server.h"

namespace prometheus {
class Collectable;
}  // namespace prometheus

namespace vigie::daemon {

struct RouteContext {
  // Exposed in this order on /metrics; a family name already exposed by an
  // earlier collectable is skipped (the daemon's own metrics win).
  std::vector<std::shared_ptr<prometheus::Collectable>> collectables;
  // /readyz answers 200 once this is true (store open, gRPC serving).
  const std::atomic<bool>* ready = nullptr;
  // GET /ack/<token>: acknowledges the incident of a signed link (null: 404).
  std::function<HttpResponse(const std::string& token)> ack;
  // GET /oncall/<schedule>.ics: the schedule's iCalendar feed (null: 404).
  std::function<HttpResponse(const std::string& schedule)> oncall_ics;
};

HttpServer::Handler MakeRoutes(RouteContext context);

}  // namespace vigie::daemon
