#include "agent/collector/cpu.h"

#include <algorithm>

#include "agent/collector/collector_util.h"

namespace vigie::agent {
namespace {

bool ParseCpuLine(const std::vector<std::string_view>& fields, double user_hz, CpuTimes& out) {
  const size_t n = fields.size() - 1;
  if (n < 4) return false;
  out.fill(0);
  for (size_t i = 0; i < std::min<size_t>(n, kNumCpuModes); ++i) {
    uint64_t ticks = 0;
    if (!ParseUint64(fields[i + 1], ticks)) return false;
    out[i] = static_cast<double>(ticks) / user_hz;
  }
  return true;
}

// For "name value" lines: the counter the name stands for, or null.
uint64_t* CounterFor(std::string_view key, ProcStat& out) {
  if (key == "ctxt") return &out.context_switches;
  if (key == "intr") return &out.interrupts;  // first value is the total
  if (key == "processes") return &out.forks;
  if (key == "procs_running") return &out.procs_running;
  if (key == "procs_blocked") return &out.procs_blocked;
  if (key == "btime") return &out.boot_time;
  return nullptr;
}

}  // namespace

absl::Status ParseProcStat(std::string_view content, double user_hz, ProcStat& out) {
  out.cpus.clear();
  out.total.fill(0);
  bool have_total = false;
  absl::Status st = ForEachFieldLine(content, "/proc/stat", [&](const auto& fields) {
    const std::string_view key = fields[0];
    if (key.substr(0, 3) == "cpu") {
      const std::string_view id = key.substr(3);
      if (id.empty()) {
        have_total = true;
        return ParseCpuLine(fields, user_hz, out.total);
      }
      PerCpuTimes cpu;
      uint64_t num = 0;
      if (!ParseUint64(id, num) || !ParseCpuLine(fields, user_hz, cpu.times)) return false;
      cpu.cpu = static_cast<uint32_t>(num);
      out.cpus.push_back(cpu);
      return true;
    }
    uint64_t* counter = CounterFor(key, out);
    return counter == nullptr || (fields.size() >= 2 && ParseUint64(fields[1], *counter));
  });
  if (!st.ok()) return st;
  if (!have_total) return absl::InvalidArgumentError("/proc/stat: no aggregate \"cpu\" line");
  return absl::OkStatus();
}

std::optional<double> CpuBusyRatio(const CpuTimes& prev, const CpuTimes& cur) {
  double total = 0;
  for (size_t m = kCpuUser; m <= kCpuSteal; ++m) total += cur[m] - prev[m];
  const double idle = (cur[kCpuIdle] - prev[kCpuIdle]) + (cur[kCpuIowait] - prev[kCpuIowait]);
  if (!(total > 0)) return std::nullopt;
  return std::clamp(1.0 - idle / total, 0.0, 1.0);
}

}  // namespace vigie::agent
