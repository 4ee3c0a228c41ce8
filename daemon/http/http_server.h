// HttpServer: a small HTTP/1.1 server (Boost.Beast) for /metrics, health and,
// later, acknowledgement links and the JSON API. Routing is the Handler's job;
// this class only speaks HTTP, so Beast stays in one translation unit.
//
// One I/O thread. Handlers run on it and must be quick (a /metrics scrape of a
// large state is the slowest, tens of milliseconds). Requests larger than
// 64 KiB or slower than 10 s to arrive are refused.
//
// Thread-safe: Stop() may be called from any thread; the destructor stops.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace vigie::daemon {

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // path and query, e.g. "/metrics?x=1"
  std::string body;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

class HttpServer {
 public:
  using Handler = std::function<HttpResponse(const HttpRequest&)>;

  // Binds `listen` ("127.0.0.1:9471"; port 0 picks a free port) and starts
  // serving on its own thread.
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(const std::string& listen,
                                                           Handler handler);
  virtual ~HttpServer() = default;

  virtual uint16_t port() const = 0;
  virtual void Stop() = 0;
};

}  // namespace vigie::daemon
