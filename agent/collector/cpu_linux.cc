#include <unistd.h>

#include <string>

#include "agent/collector/collector_util.h"
#include "agent/collector/cpu.h"
#include "common/file.h"

namespace vigie::agent {
namespace {

constexpr MetricDesc kCpuSeconds{"node_cpu_seconds_total", MetricType::kCounter,
                                 "Seconds the CPUs spent in each mode."};
constexpr MetricDesc kGuestSeconds{"node_cpu_guest_seconds_total", MetricType::kCounter,
                                   "Seconds the CPUs spent in guests (VMs) for each mode."};
constexpr MetricDesc kContextSwitches{"node_context_switches_total", MetricType::kCounter,
                                      "Total number of context switches."};
constexpr MetricDesc kInterrupts{"node_intr_total", MetricType::kCounter,
                                 "Total number of interrupts serviced."};
constexpr MetricDesc kForks{"node_forks_total", MetricType::kCounter, "Total number of forks."};
constexpr MetricDesc kProcsRunning{"node_procs_running", MetricType::kGauge,
                                   "Number of processes in runnable state."};
constexpr MetricDesc kProcsBlocked{"node_procs_blocked", MetricType::kGauge,
                                   "Number of processes blocked waiting for I/O to complete."};
constexpr MetricDesc kUtilisation{"vigie_cpu_utilisation_ratio", MetricType::kGauge,
                                  "Fraction of CPU time (all CPUs) not idle since the previous "
                                  "collection."};

// node_exporter's mode label for each CpuMode up to steal.
constexpr std::string_view kModeNames[] = {"user",   "nice", "system",  "idle",
                                           "iowait", "irq",  "softirq", "steal"};

}  // namespace

double ClockTicksPerSecond() {
  long hz = ::sysconf(_SC_CLK_TCK);
  return hz > 0 ? static_cast<double>(hz) : 100.0;
}

CpuCollector::CpuCollector(const CollectorContext& ctx, double user_hz)
    : path_(JoinPath(ctx.proc_root, "stat")), user_hz_(user_hz) {}

absl::Status CpuCollector::Collect(SampleSink& sink) {
  if (absl::Status st = ReadFileInto(path_, buf_); !st.ok()) return st;
  if (absl::Status st = ParseProcStat(buf_, user_hz_, stat_); !st.ok()) return st;

  for (const PerCpuTimes& cpu : stat_.cpus) {
    const std::string id = std::to_string(cpu.cpu);
    for (size_t m = kCpuUser; m <= kCpuSteal; ++m) {
      sink.Add(kCpuSeconds, {{"cpu", id}, {"mode", std::string(kModeNames[m])}}, cpu.times[m]);
    }
    sink.Add(kGuestSeconds, {{"cpu", id}, {"mode", "user"}}, cpu.times[kCpuGuest]);
    sink.Add(kGuestSeconds, {{"cpu", id}, {"mode", "nice"}}, cpu.times[kCpuGuestNice]);
  }
  sink.Add(kContextSwitches, {}, static_cast<double>(stat_.context_switches));
  sink.Add(kInterrupts, {}, static_cast<double>(stat_.interrupts));
  sink.Add(kForks, {}, static_cast<double>(stat_.forks));
  sink.Add(kProcsRunning, {}, static_cast<double>(stat_.procs_running));
  sink.Add(kProcsBlocked, {}, static_cast<double>(stat_.procs_blocked));

  if (prev_total_.has_value()) {
    if (auto ratio = CpuBusyRatio(*prev_total_, stat_.total); ratio.has_value()) {
      sink.Add(kUtilisation, {}, *ratio);
    }
  }
  prev_total_ = stat_.total;
  return absl::OkStatus();
}

}  // namespace vigie::agent
