#include <dirent.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <memory>

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

struct DirCloser {
  void operator()(DIR* d) const { ::closedir(d); }
};

// Calls fn(name) for each numeric entry of `dir` (readdir: no allocation per
// entry). Unavailable when `dir` cannot be opened or read.
template <typename Fn>
absl::Status ForEachPid(const std::string& dir, Fn&& fn) {
  std::unique_ptr<DIR, DirCloser> d(::opendir(dir.c_str()));
  if (d == nullptr) return absl::UnavailableError(StrCat(dir, ": ", std::strerror(errno)));
  for (;;) {
    errno = 0;
    const dirent* e = ::readdir(d.get());
    if (e == nullptr) break;
    const std::string_view name(e->d_name);
    if (IsPid(name)) fn(name);
  }
  if (errno != 0) return absl::UnavailableError(StrCat(dir, ": ", std::strerror(errno)));
  return absl::OkStatus();
}

}  // namespace

ProcessesCollector::ProcessesCollector(const CollectorContext& ctx)
    : proc_root_(ctx.proc_root),
      loadavg_path_(JoinPath(ctx.proc_root, "loadavg")),
      limit_paths_{JoinPath(ctx.proc_root, "sys/kernel/pid_max"),
                   JoinPath(ctx.proc_root, "sys/kernel/threads-max")},
      states_(ctx.processes_states) {}

absl::Status ProcessesCollector::Collect(SampleSink& sink) {
  uint64_t pids = 0;
  uint64_t threads = 0;
  absl::Status threads_status;
  if (states_) {
    std::array<uint64_t, 256> by_state{};
    absl::Status st = ForEachPid(proc_root_, [&](std::string_view pid) {
      path_buf_.assign(proc_root_).append("/").append(pid).append("/stat");
      if (!ReadFileInto(path_buf_, buf_).ok()) return;  // exited meanwhile
      absl::StatusOr<PidStat> stat = ParsePidStat(buf_);
      if (!stat.ok()) return;
      ++pids;
      threads += stat->num_threads;
      ++by_state[static_cast<unsigned char>(stat->state)];
    });
    if (!st.ok()) return st;
    for (size_t s = 0; s < by_state.size(); ++s) {
      if (by_state[s] == 0) continue;
      sink.Add(kState, {{"state", std::string(1, static_cast<char>(s))}},
               static_cast<double>(by_state[s]));
    }
  } else {
    if (absl::Status st = ForEachPid(proc_root_, [&](std::string_view) { ++pids; }); !st.ok()) {
      return st;
    }
    threads_status = ReadFileInto(loadavg_path_, buf_);
    if (threads_status.ok()) {
      absl::StatusOr<uint64_t> total = ParseLoadavgThreads(buf_);
      threads_status = total.status();
      if (total.ok()) threads = *total;
    }
  }
  if (threads_status.ok()) sink.Add(kThreads, {}, static_cast<double>(threads));
  sink.Add(kPids, {}, static_cast<double>(pids));
  const MetricDesc* const limits[] = {&kMaxProcesses, &kMaxThreads};
  for (size_t i = 0; i < 2; ++i) {
    uint64_t value = 0;
    if (ReadFileInto(limit_paths_[i], buf_).ok() && ParseUint64(TrimSpace(buf_), value)) {
      sink.Add(*limits[i], {}, static_cast<double>(value));
    }
  }
  return threads_status;
}

}  // namespace vigie::agent
