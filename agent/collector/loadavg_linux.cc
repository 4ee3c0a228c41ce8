#include "agent/collector/collector_util.h"
#include "agent/collector/loadavg.h"
#include "common/file.h"

namespace vigie::agent {
namespace {

constexpr MetricDesc kLoads[] = {
    {"node_load1", MetricType::kGauge, "1m load average."},
    {"node_load5", MetricType::kGauge, "5m load average."},
    {"node_load15", MetricType::kGauge, "15m load average."},
};

}  // namespace

LoadavgCollector::LoadavgCollector(const CollectorContext& ctx)
    : path_(JoinPath(ctx.proc_root, "loadavg")) {}

absl::Status LoadavgCollector::Collect(SampleSink& sink) {
  if (absl::Status st = ReadFileInto(path_, buf_); !st.ok()) return st;
  absl::StatusOr<std::array<double, 3>> loads = ParseLoadavg(buf_);
  if (!loads.ok()) return loads.status();
  for (size_t i = 0; i < loads->size(); ++i) sink.Add(kLoads[i], {}, (*loads)[i]);
  return absl::OkStatus();
}

}  // namespace vigie::agent
