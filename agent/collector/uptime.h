// Uptime collector: node_boot_time_seconds (btime in /proc/stat),
// node_time_seconds (the injected clock; omitted when ctx.clock is null) and
// vigie_host_uptime_seconds (first field of /proc/uptime).
//
// Parse errors: a missing or non-numeric value is an InvalidArgument error.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "agent/collector/collector.h"

namespace vigie::agent {

// Seconds since boot: the first field of /proc/uptime.
absl::StatusOr<double> ParseUptime(std::string_view content);

// The "btime" value of /proc/stat: boot time in seconds since the epoch.
absl::StatusOr<uint64_t> ParseBootTime(std::string_view proc_stat);

// Not thread-safe.
class UptimeCollector final : public Collector {
 public:
  explicit UptimeCollector(const CollectorContext& ctx);
  std::string_view name() const override { return "uptime"; }
  absl::Status Collect(SampleSink& sink) override;

 private:
  const std::string stat_path_;
  const std::string uptime_path_;
  const Clock* const clock_;
  std::string buf_;
};

}  // namespace vigie::agent
