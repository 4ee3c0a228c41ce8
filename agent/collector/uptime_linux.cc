#include <chrono>

#include "agent/collector/collector_util.h"
#include "agent/collector/uptime.h"
#include "common/file.h"

namespace vigie::agent {
namespace {

constexpr MetricDesc kBootTime{"node_boot_time_seconds", MetricType::kGauge,
                               "Node boot time, in unixtime."};
constexpr MetricDesc kTime{"node_time_seconds", MetricType::kGauge,
                           "System time in seconds since epoch (1970)."};
constexpr MetricDesc kUptime{"vigie_host_uptime_seconds", MetricType::kGauge,
                             "Seconds since the host booted (/proc/uptime)."};

}  // namespace

UptimeCollector::UptimeCollector(const CollectorContext& ctx)
    : stat_path_(JoinPath(ctx.proc_root, "stat")),
      uptime_path_(JoinPath(ctx.proc_root, "uptime")),
      clock_(ctx.clock) {}

absl::Status UptimeCollector::Collect(SampleSink& sink) {
  if (clock_ != nullptr) {
    const std::chrono::duration<double> now = clock_->Now().time_since_epoch();
    sink.Add(kTime, {}, now.count());
  }
  if (absl::Status st = ReadFileInto(stat_path_, buf_); !st.ok()) return st;
  absl::StatusOr<uint64_t> btime = ParseBootTime(buf_);
  if (!btime.ok()) return btime.status();
  sink.Add(kBootTime, {}, static_cast<double>(*btime));

  if (absl::Status st = ReadFileInto(uptime_path_, buf_); !st.ok()) return st;
  absl::StatusOr<double> uptime = ParseUptime(buf_);
  if (!uptime.ok()) return uptime.status();
  sink.Add(kUptime, {}, *uptime);
  return absl::OkStatus();
}

}  // namespace vigie::agent
