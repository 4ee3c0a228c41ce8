#include <sys/statvfs.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>
#include <tuple>

#include "agent/collector/filesystem.h"
#include "common/file.h"
#include "common/strings.h"

namespace vigie::agent {
namespace {

constexpr MetricDesc kSize{"node_filesystem_size_bytes", MetricType::kGauge,
                           "Filesystem size in bytes."};
constexpr MetricDesc kFree{"node_filesystem_free_bytes", MetricType::kGauge,
                           "Filesystem free space in bytes."};
constexpr MetricDesc kAvail{"node_filesystem_avail_bytes", MetricType::kGauge,
                            "Filesystem space available to non-root users in bytes."};
constexpr MetricDesc kFiles{"node_filesystem_files", MetricType::kGauge,
                            "Filesystem total file nodes."};
constexpr MetricDesc kFilesFree{"node_filesystem_files_free", MetricType::kGauge,
                                "Filesystem total free file nodes."};
constexpr MetricDesc kReadOnly{"node_filesystem_readonly", MetricType::kGauge,
                               "Filesystem read-only status."};
constexpr MetricDesc kDeviceError{"node_filesystem_device_error", MetricType::kGauge,
                                  "Whether an error occurred while getting statistics for the "
                                  "given device."};

}  // namespace

absl::StatusOr<FsStats> StatFsLinux(const std::string& path) {
  struct statvfs buf;
  if (::statvfs(path.c_str(), &buf) != 0) {
    return absl::UnavailableError(StrCat("statvfs ", path, ": ", std::strerror(errno)));
  }
  const uint64_t frsize = buf.f_frsize != 0 ? buf.f_frsize : buf.f_bsize;
  FsStats s;
  s.size_bytes = static_cast<uint64_t>(buf.f_blocks) * frsize;
  s.free_bytes = static_cast<uint64_t>(buf.f_bfree) * frsize;
  s.avail_bytes = static_cast<uint64_t>(buf.f_bavail) * frsize;
  s.files = buf.f_files;
  s.files_free = buf.f_ffree;
  s.read_only = (buf.f_flag & ST_RDONLY) != 0;
  return s;
}

FilesystemCollector::FilesystemCollector(const CollectorContext& ctx)
    : mounts_path_(JoinPath(ctx.proc_root, "mounts")),
      root_(ctx.root),
      stat_fs_(ctx.stat_fs),
      exclude_types_(ctx.fs_exclude_types),
      exclude_mounts_(ctx.fs_exclude_mounts, NameFilter::Mode::kSearch) {}

bool FilesystemCollector::Excluded(const MountEntry& m) const {
  return std::find(exclude_types_.begin(), exclude_types_.end(), m.fstype) !=
             exclude_types_.end() ||
         exclude_mounts_.Matches(m.mountpoint);
}

absl::Status FilesystemCollector::Collect(SampleSink& sink) {
  if (!exclude_mounts_.status().ok()) return exclude_mounts_.status();
  if (!stat_fs_) return absl::FailedPreconditionError("filesystem collector: no stat_fs");
  if (absl::Status st = ReadFileInto(mounts_path_, buf_); !st.ok()) return st;
  if (absl::Status st = ParseMounts(buf_, mounts_); !st.ok()) return st;

  std::set<std::tuple<std::string_view, std::string_view, std::string_view>> seen;
  for (const MountEntry& m : mounts_) {
    if (Excluded(m) || !seen.emplace(m.device, m.mountpoint, m.fstype).second) continue;
    const Labels labels{{"device", m.device}, {"fstype", m.fstype}, {"mountpoint", m.mountpoint}};
    absl::StatusOr<FsStats> stats = stat_fs_(JoinPath(root_, m.mountpoint));
    sink.Add(kDeviceError, labels, stats.ok() ? 0 : 1);
    if (!stats.ok()) continue;
    sink.Add(kSize, labels, static_cast<double>(stats->size_bytes));
    sink.Add(kFree, labels, static_cast<double>(stats->free_bytes));
    sink.Add(kAvail, labels, static_cast<double>(stats->avail_bytes));
    sink.Add(kFiles, labels, static_cast<double>(stats->files));
    sink.Add(kFilesFree, labels, static_cast<double>(stats->files_free));
    sink.Add(kReadOnly, labels, (m.read_only || stats->read_only) ? 1 : 0);
  }
  return absl::OkStatus();
}

}  // namespace vigie::agent
