#include "daemon/http/state_metrics.h"

#include <map>
#include <string>

#include "daemon/state/state.h"
#include "vigie/v1/telemetry.pb.h"

namespace vigie::daemon {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

MetricFamily Family(std::string name, std::string help, MetricType type) {
  MetricFamily f;
  f.name = std::move(name);
  f.help = std::move(help);
  f.type = type;
  return f;
}

void SetValue(ClientMetric& m, MetricType type, double v) {
  switch (type) {
    case MetricType::Counter:
      m.counter.value = v;
      break;
    case MetricType::Gauge:
      m.gauge.value = v;
      break;
    default:
      m.untyped.value = v;
      break;
  }
}

// host="..." plus the host's labels.
std::vector<ClientMetric::Label> HostLabels(const HostStatus& h) {
  std::vector<ClientMetric::Label> out;
  out.push_back({"host", h.record.name});
  for (const auto& l : h.record.labels) out.push_back({l.name, l.value});
  return out;
}

void AddHostMetric(MetricFamily& f, std::vector<ClientMetric::Label> labels, double v) {
  ClientMetric m;
  m.label = std::move(labels);
  SetValue(m, f.type, v);
  f.metric.push_back(std::move(m));
}

}  // namespace

std::vector<MetricFamily> StateMetrics::Collect() const {
  MetricFamily up = Family("vigie_host_up",
                           "1 if the host reported within its stale window "
                           "(stale_after_intervals x its interval), else 0.",
                           MetricType::Gauge);
  MetricFamily connected = Family(
      "vigie_host_connected", "1 if the host's agent has a Report stream open.", MetricType::Gauge);
  MetricFamily last =
      Family("vigie_host_last_report_timestamp_seconds",
             "When vigied last heard from the host (daemon clock).", MetricType::Gauge);
  MetricFamily info =
      Family("vigie_host_info", "Inventory of the host as labels; the value is always 1.",
             MetricType::Gauge);
  MetricFamily series_count =
      Family("vigie_host_series", "Series held in memory for the host.", MetricType::Gauge);

  std::map<std::string, MetricFamily> families;
  const int64_t default_interval = state_.options().default_interval_ms;
  const int64_t stale_intervals = state_.options().stale_after_intervals;

  auto on_host = [&](const HostStatus& h) {
    auto labels = HostLabels(h);
    AddHostMetric(up, labels, h.up ? 1 : 0);
    AddHostMetric(connected, labels, h.connected ? 1 : 0);
    AddHostMetric(last, labels, static_cast<double>(h.record.last_seen_ms) / 1000.0);
    AddHostMetric(series_count, labels, static_cast<double>(h.series_count));
    vigie::v1::Inventory inv;
    inv.ParseFromString(h.record.inventory);
    auto info_labels = labels;
    for (auto [name, value] : std::initializer_list<std::pair<const char*, const std::string*>>{
             {"os", &inv.os_name()},
             {"os_id", &inv.os_id()},
             {"os_version", &inv.os_version()},
             {"kernel", &inv.kernel()},
             {"arch", &inv.arch()},
             {"agent_version", &h.record.agent_version},
             {"virtualization", &inv.virtualization()},
             {"fqdn", &inv.fqdn()}}) {
      info_labels.push_back({name, *value});
    }
    AddHostMetric(info, std::move(info_labels), 1);
  };

  auto on_series = [&](const HostStatus& h, const Series& s) {
    if (!h.up) return;
    auto latest = s.ring.Latest();
    if (!latest) return;
    const int64_t interval = h.record.interval_ms > 0 ? h.record.interval_ms : default_interval;
    if (latest->timestamp_ms < h.last_sample_ms - interval * stale_intervals) return;
    auto it = families.find(s.metric);
    if (it == families.end()) {
      auto meta = state_.Metadata(s.metric);
      MetricType type = MetricType::Untyped;
      std::string help = "Reported by vigie-agent.";
      if (meta) {
        if (meta->kind == MetricKind::kCounter) type = MetricType::Counter;
        if (meta->kind == MetricKind::kGauge) type = MetricType::Gauge;
        if (!meta->help.empty()) help = meta->help;
      }
      it = families.emplace(s.metric, Family(s.metric, std::move(help), type)).first;
    }
    ClientMetric m;
    m.label.reserve(s.labels.size() + 1 + h.record.labels.size());
    m.label.push_back({"host", h.record.name});
    for (const auto& l : h.record.labels) {
      bool shadowed = false;
      for (const auto& own : s.labels) shadowed |= own.name == l.name;
      if (!shadowed) m.label.push_back({l.name, l.value});
    }
    for (const auto& l : s.labels) m.label.push_back({l.name, l.value});
    SetValue(m, it->second.type, latest->value);
    it->second.metric.push_back(std::move(m));
  };

  state_.VisitAll(on_series, on_host);

  std::vector<MetricFamily> out;
  out.reserve(families.size() + 5);
  for (auto* f : {&up, &connected, &last, &info, &series_count}) out.push_back(std::move(*f));
  for (auto& [name, f] : families) out.push_back(std::move(f));
  return out;
}

}  // namespace vigie::daemon
