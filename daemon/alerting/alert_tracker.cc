#include "daemon/alerting/alert_tracker.h"

#include "common/strings.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/registry.h"

namespace vigie::daemon {
namespace {

prometheus::MetricFamily GaugeFamily(std::string name, std::string help) {
  prometheus::MetricFamily f;
  f.name = std::move(name);
  f.help = std::move(help);
  f.type = prometheus::MetricType::Gauge;
  return f;
}

}  // namespace

AlertTracker::AlertTracker(prometheus::Registry& registry)
    : transitions_(prometheus::BuildCounter()
                       .Name("vigie_alert_transitions_total")
                       .Help("Alert state changes, by type (pending, firing, resolved, "
                             "flapping_started, flapping_stopped).")
                       .Register(registry)),
      log_(MakeLogger("alerts")) {}

void AlertTracker::OnEvaluated(const std::string& group, const std::vector<Alert>& active,
                               const std::vector<AlertEvent>& events, int64_t /*t_ms*/) {
  for (const auto& e : events) {
    transitions_.Add({{"type", AlertEventTypeName(e.type)}}).Increment();
    auto summary = e.alert.annotations.find("summary");
    log_->info("{} {} value={} {}{}{}", AlertEventTypeName(e.type), e.alert.rule, e.alert.value,
               FormatSeries("", e.alert.labels), summary == e.alert.annotations.end() ? "" : ": ",
               summary == e.alert.annotations.end() ? "" : summary->second);
  }
  std::lock_guard lock(mu_);
  if (active.empty()) {
    by_group_.erase(group);
  } else {
    by_group_[group] = active;
  }
}

std::vector<Alert> AlertTracker::Alerts() const {
  std::lock_guard lock(mu_);
  std::vector<Alert> out;
  for (const auto& [group, alerts] : by_group_) out.insert(out.end(), alerts.begin(), alerts.end());
  return out;
}

std::vector<prometheus::MetricFamily> AlertTracker::Collect() const {
  auto alerts_family =
      GaugeFamily("ALERTS", "Pending and firing alerts, one series per alert, as in Prometheus.");
  auto counts_family =
      GaugeFamily("vigie_alerts",
                  "Current alerts by name, severity and state (pending, firing, resolved, "
                  "flapping).");
  std::map<std::tuple<std::string, std::string, std::string>, double> counts;
  for (const Alert& a : Alerts()) {
    const std::string severity(GetLabel(a.labels, "severity"));
    const char* state = AlertStateName(a.state);
    counts[{a.rule, severity, state}] += 1;
    if (a.flapping) counts[{a.rule, severity, "flapping"}] += 1;
    if (a.state != AlertState::kPending && a.state != AlertState::kFiring) continue;
    prometheus::ClientMetric m;
    m.label.push_back({"alertstate", state});
    for (const auto& l : a.labels) m.label.push_back({l.name, l.value});
    m.gauge.value = 1;
    alerts_family.metric.push_back(std::move(m));
  }
  for (const auto& [key, n] : counts) {
    prometheus::ClientMetric m;
    m.label = {{"alertname", std::get<0>(key)},
               {"severity", std::get<1>(key)},
               {"state", std::get<2>(key)}};
    m.gauge.value = n;
    counts_family.metric.push_back(std::move(m));
  }
  return {std::move(alerts_family), std::move(counts_family)};
}

}  // namespace vigie::daemon
