// CPU collector: /proc/stat -> node_exporter's cpu and stat metrics.
//
// Emits node_cpu_seconds_total{cpu,mode}, node_cpu_guest_seconds_total{cpu,mode},
// node_context_switches_total, node_intr_total, node_forks_total,
// node_procs_running, node_procs_blocked, and vigie_cpu_utilisation_ratio (the
// whole-host busy fraction since the previous Collect; absent on the first
// round or when no tick elapsed). btime is reported by the uptime collector.
//
// Parse errors: a "cpu" line with fewer than 4 values or a non-numeric value,
// a non-numeric counter line, or no aggregate "cpu" line is an
// InvalidArgument error. Unknown lines (softirq, future fields) are ignored.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "agent/collector/collector.h"

namespace vigie::agent {

// Order of the values on a /proc/stat "cpu" line.
enum CpuMode : size_t {
  kCpuUser,
  kCpuNice,
  kCpuSystem,
  kCpuIdle,
  kCpuIowait,
  kCpuIrq,
  kCpuSoftirq,
  kCpuSteal,
  kCpuGuest,
  kCpuGuestNice,
  kNumCpuModes
};

// Seconds spent in each mode (ticks / USER_HZ). Missing trailing values
// (old kernels) are 0.
using CpuTimes = std::array<double, kNumCpuModes>;

struct PerCpuTimes {
  uint32_t cpu = 0;  // the N of "cpuN"; may have gaps (offline CPUs)
  CpuTimes times{};
};

struct ProcStat {
  CpuTimes total{};
  std::vector<PerCpuTimes> cpus;
  uint64_t context_switches = 0;
  uint64_t interrupts = 0;
  uint64_t forks = 0;
  uint64_t procs_running = 0;
  uint64_t procs_blocked = 0;
  uint64_t boot_time = 0;  // btime, seconds since the epoch
};

// Parses /proc/stat content into `out` (reused: its vectors keep capacity).
// REQUIRES: user_hz > 0 (sysconf(_SC_CLK_TCK), 100 on Linux).
absl::Status ParseProcStat(std::string_view content, double user_hz, ProcStat& out);

// Busy fraction in [0, 1] of the time between two readings of the same
// counters: 1 - (idle + iowait) / all non-guest modes. nullopt when no time
// elapsed (or counters went backwards).
std::optional<double> CpuBusyRatio(const CpuTimes& prev, const CpuTimes& cur);

// USER_HZ of this host (sysconf(_SC_CLK_TCK)); defined in cpu_linux.cc.
double ClockTicksPerSecond();

// Not thread-safe; the runner calls Collect from one thread.
class CpuCollector final : public Collector {
 public:
  // `user_hz` is injected so that tests do not depend on the host.
  CpuCollector(const CollectorContext& ctx, double user_hz);
  std::string_view name() const override { return "cpu"; }
  absl::Status Collect(SampleSink& sink) override;

 private:
  const std::string path_;
  const double user_hz_;
  std::string buf_;
  ProcStat stat_;
  std::optional<CpuTimes> prev_total_;
};

}  // namespace vigie::agent
