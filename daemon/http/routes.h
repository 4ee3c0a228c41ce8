// The HTTP routes of vigied: /metrics, /healthz, /readyz.
#pragma once

#include <atomic>
#include <memory>
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
};

HttpServer::Handler MakeRoutes(RouteContext context);

}  // namespace vigie::daemon
