// Processes collector: walks <proc_root>/<pid>/stat once per pid and emits
// node_exporter's processes metrics: node_processes_state{state} (R, S, D, Z,
// T, I, ... for the states present), node_processes_threads (sum of
// num_threads), node_processes_pids, and node_processes_max_processes /
// node_processes_max_threads from <proc_root>/sys/kernel/{pid_max,threads-max}
// when readable. Per-thread states (node_processes_threads_state) are not
// collected: they would need one read per thread.
//
// Pids that vanish between listing and reading, or whose stat line is
// malformed, are skipped silently; only an unreadable <proc_root> is an error.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "agent/collector/collector.h"

namespace vigie::agent {

struct PidStat {
  char state = '?';          // field 3
  uint64_t num_threads = 0;  // field 20
};

// Parses one /proc/<pid>/stat line. The command name may hold spaces and
// parentheses: fields are counted after the last ')'. InvalidArgument when the
// line is truncated or field 20 is not a number.
absl::StatusOr<PidStat> ParsePidStat(std::string_view content);

// Not thread-safe.
class ProcessesCollector final : public Collector {
 public:
  explicit ProcessesCollector(const CollectorContext& ctx);
  std::string_view name() const override { return "processes"; }
  absl::Status Collect(SampleSink& sink) override;

 private:
  const std::string proc_root_;
  std::string buf_;
  std::string path_buf_;
};

}  // namespace vigie::agent
