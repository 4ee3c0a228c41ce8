// Disk I/O collector: /proc/diskstats -> node_exporter's diskstats metrics,
// labelled {device}: node_disk_reads_completed_total, ..._merged_total,
// node_disk_read_bytes_total, node_disk_read_time_seconds_total, the write
// equivalents (node_disk_written_bytes_total, as node_exporter names it),
// node_disk_io_now, node_disk_io_time_seconds_total,
// node_disk_io_time_weighted_seconds_total, the discard counters (kernel 4.18+)
// and flush counters (5.5+) when the line has them, and node_disk_info{device,
// major, minor} = 1.
//
// Devices fully matching kDefaultDiskIgnoreDevices (partitions, ram, loop,
// floppy) are skipped.
//
// Parse errors: a line with fewer than 14 fields (major, minor, name and 11
// counters) or a non-numeric counter is an InvalidArgument error.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "agent/collector/collector.h"
#include "agent/collector/collector_util.h"

namespace vigie::agent {

// node_exporter 1.5's default --collector.diskstats.device-exclude.
inline constexpr std::string_view kDefaultDiskIgnoreDevices =
    R"(^(z?ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\d+n\d+p)\d+$)";

inline constexpr size_t kMaxDiskCounters = 17;

struct DiskStats {
  uint32_t major = 0;
  uint32_t minor = 0;
  std::string_view device;  // points into the parsed content
  // Counters in file order (reads completed, reads merged, sectors read, ms
  // reading, ...); only the first num_counters are valid (11, 15 or 17).
  std::array<uint64_t, kMaxDiskCounters> counters{};
  size_t num_counters = 0;
};

// Parses /proc/diskstats content into `out` (cleared first).
absl::Status ParseDiskstats(std::string_view content, std::vector<DiskStats>& out);

// Not thread-safe.
class DiskstatsCollector final : public Collector {
 public:
  explicit DiskstatsCollector(const CollectorContext& ctx);
  std::string_view name() const override { return "diskstats"; }
  absl::Status Collect(SampleSink& sink) override;

 private:
  const std::string path_;
  const NameFilter ignore_;
  std::string buf_;
  std::vector<DiskStats> disks_;
};

}  // namespace vigie::agent
