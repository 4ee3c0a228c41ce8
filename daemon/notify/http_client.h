// The HTTP side shared by the webhook, chat and Alertmanager notifiers (and the
// curl process setup shared with e-mail). libcurl stays in http_client.cc.
//
// CurlRuntime: libcurl's process-wide setup (curl_global_init) done once, by
// an explicit object that the owner (vigied's main, or a test) creates before
// any notifier and destroys after the last one; every curl-based notifier
// takes a reference to it as proof. Create exactly one per process, before
// starting other threads. Not a singleton: nothing creates it implicitly.
//
// HttpPost(): one blocking POST, bounded by its connect and total timeouts;
// thread-safe (each call uses its own curl handle).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "common/clock.h"
#include "daemon/notify/notifier.h"

namespace vigie::daemon::notify {

class CurlRuntime {
 public:
  CurlRuntime();  // curl_global_init(CURL_GLOBAL_DEFAULT)
  ~CurlRuntime();
  CurlRuntime(const CurlRuntime&) = delete;
  CurlRuntime& operator=(const CurlRuntime&) = delete;
  // Whether curl_global_init succeeded; notifiers fail (non-retryable) if not.
  bool ok() const { return ok_; }

 private:
  bool ok_ = false;
};

// Credentials for an HTTP peer. At most one of bearer token and basic auth.
// Never logged, never put in a status message.
struct HttpAuth {
  std::string bearer_token;
  std::string basic_username;
  std::string basic_password;
};

struct HttpTimeouts {
  std::chrono::milliseconds connect{5'000};
  std::chrono::milliseconds total{15'000};
};

// Where and how to POST: what the webhook, chat and Alertmanager configs share.
struct HttpEndpoint {
  std::string url;
  HttpAuth auth;
  HttpTimeouts timeouts;
};

struct HttpPostRequest {
  std::string url;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
  HttpAuth auth;
  HttpTimeouts timeouts;
};

struct HttpPostResponse {
  long status = 0;
  std::string body;         // first 16 KiB, for error messages
  std::string retry_after;  // raw Retry-After header, if any
};

// Transport errors come back as Unavailable (connect failure, timeout, reset:
// worth retrying) or InvalidArgument (bad URL, unsupported scheme: not).
absl::StatusOr<HttpPostResponse> HttpPost(const CurlRuntime& curl, const HttpPostRequest& request);

// Retry-After: delay-seconds or an HTTP-date (relative to `now`). nullopt when
// absent or unparsable; never negative.
std::optional<std::chrono::milliseconds> ParseRetryAfter(std::string_view value, SystemTime now);

// The webhook rules: 2xx ok; 429, 5xx and transport errors retryable (with
// Retry-After); other statuses not retryable. `what` names the peer in
// messages ("webhook", "slack"...); URLs are not included (they may hold tokens).
NotifyResult ClassifyHttpResult(std::string_view what,
                                const absl::StatusOr<HttpPostResponse>& result, SystemTime now);

// One POST of `body` (JSON) to `endpoint` then ClassifyHttpResult: what the
// HTTP-based notifiers do. `url` overrides endpoint.url when not empty.
NotifyResult PostJson(const CurlRuntime& curl, const HttpEndpoint& endpoint, std::string body,
                      std::vector<std::pair<std::string, std::string>> headers,
                      std::string_view what, const Clock& clock, const std::string& url = "");

}  // namespace vigie::daemon::notify
