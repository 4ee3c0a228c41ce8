// A collector reads one area of the host (cpu, memory, filesystems...) and
// emits samples into a SampleSink. Collectors are built explicitly by
// MakeDefaultCollectors (registry_linux.cc); there is no self-registration.
//
// Contract, as in node_exporter:
//  - Collect() may emit some samples and still return an error; the runner
//    keeps what was emitted, records vigie_agent_collector_success 0 and goes
//    on with the other collectors. An exception escaping Collect() is caught by
//    the runner and treated the same way.
//  - "No data" (no disks, no swap) is not an error.
//  - Collectors read files only through the paths in CollectorContext, so that
//    tests run them on recorded fixtures.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/clock.h"
#include "common/labels.h"

namespace vigie::agent {

enum class MetricType { kUntyped, kGauge, kCounter };

// Static description of a metric family. Collectors define these as constants.
struct MetricDesc {
  std::string_view name;
  MetricType type;
  std::string_view help;
};

class SampleSink {
 public:
  virtual ~SampleSink() = default;
  // `labels` need not be sorted. Values are in base units (seconds, bytes).
  virtual void Add(const MetricDesc& desc, Labels labels, double value) = 0;
};

// Filesystem statistics of one mount point (statvfs).
struct FsStats {
  uint64_t size_bytes = 0;
  uint64_t free_bytes = 0;
  uint64_t avail_bytes = 0;
  uint64_t files = 0;
  uint64_t files_free = 0;
  bool read_only = false;
};

// Where collectors look. Defaults are the live system; tests point these at
// tests/fixtures/linux/... and inject StatFs.
struct CollectorContext {
  std::string proc_root = "/proc";
  std::string sys_root = "/sys";
  std::string root = "/";  // for /etc/os-release, /etc/hostname, /etc/machine-id
  // statvfs() of a mount point (already prefixed with `root`).
  std::function<absl::StatusOr<FsStats>(const std::string& path)> stat_fs;
  // Filesystem types that are never reported (pseudo filesystems).
  std::vector<std::string> fs_exclude_types;
  // Mount points to skip: an RE2 pattern searched anywhere in the mount point,
  // like node_exporter's --collector.filesystem.mount-points-exclude (anchor it
  // with ^...$ for a full match). "" = none.
  std::string fs_exclude_mounts;
  // Network devices to skip, full-match regular expression ("" = none).
  std::string net_exclude_devices = "lo";
  // Processes collector: also count processes per state
  // (node_processes_state), which reads /proc/<pid>/stat for every process.
  bool processes_states = false;
  const Clock* clock = nullptr;
};

class Collector {
 public:
  virtual ~Collector() = default;
  // Short name: "cpu", "meminfo", ... used in the collector label.
  virtual std::string_view name() const = 0;
  virtual absl::Status Collect(SampleSink& sink) = 0;
};

}  // namespace vigie::agent
