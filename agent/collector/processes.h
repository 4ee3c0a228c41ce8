// Processes collector: node_exporter's processes metrics.
//
// Default (cheap) mode, no per-pid read: node_processes_pids is the number of
// numeric entries of <proc_root>/ (one directory scan) and
// node_processes_threads the total of the "running/total" field of
// <proc_root>/loadavg (every thread on the host, kernel threads included).
//
// With CollectorContext::processes_states (collectors.processes.states), it
// reads <proc_root>/<pid>/stat once per pid and also emits
// node_processes_state{state} (R, S, D, Z, T, I, ... for the states present);
// pids and threads then come from that same walk (threads = sum of
// num_threads). Per-thread states (node_processes_threads_state) are never
// collected: they would need one read per thread.
//
// Both modes emit node_processes_max_processes / node_processes_max_threads
// from <proc_root>/sys/kernel/{pid_max,threads-max} when readable.
//
// Pids that vanish between listing and reading, or whose stat line is
// malformed, are skipped silently. An unreadable <proc_root> is an error, and
// so is (in the default mode) an unreadable or malformed loadavg, after the
// other metrics are emitted.
#pragma once

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

// The number of threads on the host: "total" in the 4th field
// ("running/total") of /proc/loadavg. InvalidArgument when that field is
// missing or malformed.
absl::StatusOr<uint64_t> ParseLoadavgThreads(std::string_view content);

// Not thread-safe.
class ProcessesCollector final : public Collector {
 public:
  explicit ProcessesCollector(const CollectorContext& ctx);
  std::string_view name() const override { return "processes"; }
  absl::Status Collect(SampleSink& sink) override;

 private:
  const std::string proc_root_;
  const std::string loadavg_path_;
  const std::string limit_paths_[2];  // sys/kernel/pid_max, sys/kernel/threads-max
  const bool states_;
  std::string buf_;
  std::string path_buf_;
};

}  // namespace vigie::agent
