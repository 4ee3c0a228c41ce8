// Load average collector: /proc/loadavg -> node_load1, node_load5, node_load15.
//
// Parse errors: fewer than three fields or a non-numeric load is an
// InvalidArgument error.
#pragma once

#include <array>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "agent/collector/collector.h"

namespace vigie::agent {

// The 1, 5 and 15 minute load averages.
absl::StatusOr<std::array<double, 3>> ParseLoadavg(std::string_view content);

// Not thread-safe.
class LoadavgCollector final : public Collector {
 public:
  explicit LoadavgCollector(const CollectorContext& ctx);
  std::string_view name() const override { return "loadavg"; }
  absl::Status Collect(SampleSink& sink) override;

 private:
  const std::string path_;
  std::string buf_;
};

}  // namespace vigie::agent
