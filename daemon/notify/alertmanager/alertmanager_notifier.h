// AlertmanagerNotifier: forwards alerts to a Prometheus Alertmanager with its
// v2 API (POST <url>/api/v2/alerts, a JSON list of {labels, annotations,
// startsAt, endsAt, generatorURL}), as Prometheus does. Resolved alerts carry
// their endsAt; firing alerts carry endsAt = now + valid_for when valid_for is
// set, else none (Alertmanager then applies its resolve_timeout, so the route
// must resend firing alerts more often than that: see docs/notifications.md).
//
// Same HTTP rules as the webhook: 2xx ok; 429/5xx/connect errors retryable.
// Immutable after construction; Notify() is thread-safe.
#pragma once

#include <chrono>
#include <string>

#include "common/clock.h"
#include "daemon/notify/http_client.h"
#include "daemon/notify/notifier.h"

namespace vigie::daemon::notify {

struct AlertmanagerConfig {
  HttpEndpoint endpoint;  // url: Alertmanager's base URL, e.g. "http://127.0.0.1:9093"
  std::chrono::milliseconds valid_for{0};
  bool send_resolved = true;
};

// The v2 alert list for `n` (pure; exposed for tests).
std::string AlertmanagerPayload(const Notification& n, SystemTime now,
                                std::chrono::milliseconds valid_for);

class AlertmanagerNotifier final : public Notifier {
 public:
  AlertmanagerNotifier(const CurlRuntime& curl, const Clock& clock, AlertmanagerConfig config);
  std::string_view channel() const override { return "alertmanager"; }
  NotifyResult Notify(const Notification& n) override;

 private:
  const CurlRuntime& curl_;
  const Clock& clock_;
  AlertmanagerConfig config_;
  std::string alerts_url_;
};

}  // namespace vigie::daemon::notify
