#include <array>
#include <filesystem>
#include <system_error>

#include "agent/collector/collector_util.h"
#include "agent/collector/processes.h"
#include "common/file.h"
#include "common/strings.h"

namespace vigie::agent {
namespace {

constexpr MetricDesc kState{"node_processes_state", MetricType::kGauge,
                            "Number of processes in each state."};
constexpr MetricDesc kThreads{"node_processes_threads", MetricType::kGauge,
                              "Allocated threads in system."};
constexpr MetricDesc kPids{"node_processes_pids", MetricType::kGauge, "Number of PIDs."};
constexpr MetricDesc kMaxProcesses{"node_processes_max_processes", MetricType::kGauge,
                                   "Number of max PIDs limit."};
constexpr MetricDesc kMaxThreads{"node_processes_max_threads", MetricType::kGauge,
                                 "Limit of threads in the system."};

bool IsPid(std::string_view name) {
  uint64_t pid = 0;
  return ParseUint64(name, pid);
}

}  // namespace

ProcessesCollector::ProcessesCollector(const CollectorContext& ctx) : proc_root_(ctx.proc_root) {}

absl::Status ProcessesCollector::Collect(SampleSink& sink) {
  std::array<uint64_t, 256> by_state{};
  uint64_t pids = 0;
  uint64_t threads = 0;
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator(proc_root_, ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    const std::string& name = it->path().native();
    const std::string_view base = std::string_view(name).substr(name.rfind('/') + 1);
    if (!IsPid(base)) continue;
    path_buf_.assign(name).append("/stat");
    if (!ReadFileInto(path_buf_, buf_).ok()) continue;  // exited meanwhile
    absl::StatusOr<PidStat> st = ParsePidStat(buf_);
    if (!st.ok()) continue;
    ++pids;
    threads += st->num_threads;
    ++by_state[static_cast<unsigned char>(st->state)];
  }
  if (ec) return absl::UnavailableError(StrCat(proc_root_, ": ", ec.message()));

  for (size_t s = 0; s < by_state.size(); ++s) {
    if (by_state[s] == 0) continue;
    sink.Add(kState, {{"state", std::string(1, static_cast<char>(s))}},
             static_cast<double>(by_state[s]));
  }
  sink.Add(kThreads, {}, static_cast<double>(threads));
  sink.Add(kPids, {}, static_cast<double>(pids));
  const std::pair<const MetricDesc*, const char*> limits[] = {
      {&kMaxProcesses, "sys/kernel/pid_max"}, {&kMaxThreads, "sys/kernel/threads-max"}};
  for (const auto& [desc, rel] : limits) {
    uint64_t value = 0;
    if (ReadFileInto(JoinPath(proc_root_, rel), buf_).ok() && ParseUint64(TrimSpace(buf_), value)) {
      sink.Add(*desc, {}, static_cast<double>(value));
    }
  }
  return absl::OkStatus();
}

}  // namespace vigie::agent
