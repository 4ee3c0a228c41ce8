// StateMetrics: exposes State on /metrics, through prometheus-cpp.
//
// For each host: every series' latest sample, labelled with `host` and the
// host's labels (a series' own label wins over a host label of the same name,
// as Prometheus target labels do with honor_labels), plus the derived series
// vigie_host_up, vigie_host_connected, vigie_host_last_report_timestamp_seconds
// and vigie_host_info. Samples of a host that is down, and series that stopped
// being reported (older than the stale window behind the host's newest
// sample), are not exposed: Prometheus then marks them stale instead of
// plotting a frozen value.
//
// Thread-safe: Collect() may run concurrently with ingest.
#pragma once

#include <vector>

#include "prometheus/collectable.h"
#include "prometheus/metric_family.h"

namespace vigie::daemon {

class State;

class StateMetrics final : public prometheus::Collectable {
 public:
  explicit StateMetrics(const State& state) : state_(state) {}
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  const State& state_;
};

}  // namespace vigie::daemon
