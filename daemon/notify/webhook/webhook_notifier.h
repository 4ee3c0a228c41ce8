// WebhookNotifier: POSTs the Notification JSON payload (version "1", see
// docs/notifications.md) with an `Idempotency-Key` header, so a receiver can
// drop the duplicates that retries after a lost response produce.
//
// 2xx: delivered. 429, 5xx, connect errors and timeouts: retryable (with the
// peer's Retry-After). Any other status: not retryable.
//
// Immutable after construction; Notify() is thread-safe and blocks for at
// most the configured total timeout.
#pragma once

#include "common/clock.h"
#include "daemon/notify/http_client.h"
#include "daemon/notify/notifier.h"

namespace vigie::daemon::notify {

struct WebhookConfig {
  HttpEndpoint endpoint;
  bool send_resolved = true;
};

class WebhookNotifier final : public Notifier {
 public:
  WebhookNotifier(const CurlRuntime& curl, const Clock& clock, WebhookConfig config)
      : curl_(curl), clock_(clock), config_(std::move(config)) {}
  std::string_view channel() const override { return "webhook"; }
  NotifyResult Notify(const Notification& n) override;

 private:
  const CurlRuntime& curl_;
  const Clock& clock_;
  WebhookConfig config_;
};

}  // namespace vigie::daemon::notify
