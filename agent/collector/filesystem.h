// Filesystem collector: the mounts listed in <proc_root>/mounts, each measured
// with ctx.stat_fs, as node_exporter's filesystem metrics:
// node_filesystem_{size,free,avail}_bytes, node_filesystem_files,
// node_filesystem_files_free, node_filesystem_readonly and
// node_filesystem_device_error, labelled {device, fstype, mountpoint}.
//
// Mounts whose type is in ctx.fs_exclude_types or whose mount point matches
// ctx.fs_exclude_mounts (searched, not anchored, as node_exporter does) are
// skipped; a (device, mountpoint, fstype)
// seen twice (bind or stacked mounts) is reported once. When stat_fs fails for
// a mount, only node_filesystem_device_error 1 is emitted for it and the
// collector goes on; that is not a collector error.
//
// Parse errors: a mounts line with fewer than 4 fields is an InvalidArgument
// error.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "agent/collector/collector.h"
#include "agent/collector/collector_util.h"

namespace vigie::agent {

// node_exporter 1.5's default --collector.filesystem.mount-points-exclude.
inline constexpr std::string_view kDefaultFsExcludeMounts =
    "^/(dev|proc|run/credentials/.+|sys|var/lib/docker/.+|var/lib/containers/storage/.+)($|/)";

// node_exporter 1.5's default --collector.filesystem.fs-types-exclude, as a list.
std::vector<std::string> DefaultFsExcludeTypes();

struct MountEntry {
  std::string device;
  std::string mountpoint;  // unescaped: "\040" is a space again
  std::string fstype;
  bool read_only = false;  // "ro" among the mount options
};

// Parses /proc/mounts content into `out` (cleared first).
absl::Status ParseMounts(std::string_view content, std::vector<MountEntry>& out);

// Undoes the kernel's octal escapes in mount fields ("\040" -> ' ', "\011",
// "\012", "\134"). Malformed escapes are kept as they are.
std::string UnescapeMountField(std::string_view field);

// statvfs(2) of `path`; defined in filesystem_linux.cc.
absl::StatusOr<FsStats> StatFsLinux(const std::string& path);

// Not thread-safe.
class FilesystemCollector final : public Collector {
 public:
  // REQUIRES: ctx.stat_fs is set.
  explicit FilesystemCollector(const CollectorContext& ctx);
  std::string_view name() const override { return "filesystem"; }
  absl::Status Collect(SampleSink& sink) override;

 private:
  bool Excluded(const MountEntry& m) const;

  const std::string mounts_path_;
  const std::string root_;
  const std::function<absl::StatusOr<FsStats>(const std::string&)> stat_fs_;
  const std::vector<std::string> exclude_types_;
  const NameFilter exclude_mounts_;
  std::string buf_;
  std::vector<MountEntry> mounts_;
};

}  // namespace vigie::agent
