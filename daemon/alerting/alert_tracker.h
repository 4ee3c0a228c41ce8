// AlertTracker: the rule manager's AlertSink in vigied. Keeps the current
// alerts of every rule group, logs every transition (the embedded default
// "log notifier"), and exposes them on /metrics:
//   ALERTS{alertname, alertstate="pending"|"firing", <alert labels>} 1, as
//   Prometheus does, and vigie_alerts{alertname, severity, state} counts
//   (state: pending, firing, resolved; flapping alerts also count as flapping),
//   vigie_alert_transitions_total{type}.
//
// Thread-safe: the rule thread reports, /metrics and admin calls read.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "common/logging.h"
#include "daemon/rules/rule_manager.h"
#include "prometheus/collectable.h"

namespace prometheus {
class Registry;
class Counter;
template <typename T>
class Family;
}  // namespace prometheus

namespace vigie::daemon {

class AlertTracker final : public rules::AlertSink, public prometheus::Collectable {
 public:
  explicit AlertTracker(prometheus::Registry& registry);

  void OnEvaluated(const std::string& group, const std::vector<Alert>& active,
                   const std::vector<AlertEvent>& events, int64_t t_ms) override;
  std::vector<prometheus::MetricFamily> Collect() const override;

  // Every current alert (pending, firing, resolved-kept), by group then labels.
  std::vector<Alert> Alerts() const;

 private:
  prometheus::Family<prometheus::Counter>& transitions_;
  Logger log_;

  mutable std::mutex mu_;
  std::map<std::string, std::vector<Alert>> by_group_;  // guarded by mu_
};

}  // namespace vigie::daemon
