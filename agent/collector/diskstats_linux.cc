#include <string>

#include "agent/collector/diskstats.h"
#include "common/file.h"

namespace vigie::agent {
namespace {

constexpr double kSectorBytes = 512;
constexpr double kMillis = 0.001;

// One metric per /proc/diskstats counter, in file order, with its scale.
struct DiskCounter {
  MetricDesc desc;
  double scale;
};
constexpr DiskCounter kCounters[kMaxDiskCounters] = {
    {{"node_disk_reads_completed_total", MetricType::kCounter,
      "The total number of reads completed successfully."},
     1},
    {{"node_disk_reads_merged_total", MetricType::kCounter, "The total number of reads merged."},
     1},
    {{"node_disk_read_bytes_total", MetricType::kCounter,
      "The total number of bytes read successfully."},
     kSectorBytes},
    {{"node_disk_read_time_seconds_total", MetricType::kCounter,
      "The total number of seconds spent by all reads."},
     kMillis},
    {{"node_disk_writes_completed_total", MetricType::kCounter,
      "The total number of writes completed successfully."},
     1},
    {{"node_disk_writes_merged_total", MetricType::kCounter, "The number of writes merged."}, 1},
    {{"node_disk_written_bytes_total", MetricType::kCounter,
      "The total number of bytes written successfully."},
     kSectorBytes},
    {{"node_disk_write_time_seconds_total", MetricType::kCounter,
      "This is the total number of seconds spent by all writes."},
     kMillis},
    {{"node_disk_io_now", MetricType::kGauge, "The number of I/Os currently in progress."}, 1},
    {{"node_disk_io_time_seconds_total", MetricType::kCounter, "Total seconds spent doing I/Os."},
     kMillis},
    {{"node_disk_io_time_weighted_seconds_total", MetricType::kCounter,
      "The weighted # of seconds spent doing I/Os."},
     kMillis},
    {{"node_disk_discards_completed_total", MetricType::kCounter,
      "The total number of discards completed successfully."},
     1},
    {{"node_disk_discards_merged_total", MetricType::kCounter,
      "The total number of discards merged."},
     1},
    {{"node_disk_discarded_sectors_total", MetricType::kCounter,
      "The total number of sectors discarded successfully."},
     1},
    {{"node_disk_discard_time_seconds_total", MetricType::kCounter,
      "This is the total number of seconds spent by all discards."},
     kMillis},
    {{"node_disk_flush_requests_total", MetricType::kCounter,
      "The total number of flush requests completed successfully"},
     1},
    {{"node_disk_flush_requests_time_seconds_total", MetricType::kCounter,
      "This is the total number of seconds spent by all flush requests."},
     kMillis},
};

constexpr MetricDesc kInfo{"node_disk_info", MetricType::kGauge,
                           "Info of /sys/block/<block_device>."};

}  // namespace

DiskstatsCollector::DiskstatsCollector(const CollectorContext& ctx)
    : path_(JoinPath(ctx.proc_root, "diskstats")),
      ignore_(std::string(kDefaultDiskIgnoreDevices)) {}

absl::Status DiskstatsCollector::Collect(SampleSink& sink) {
  if (absl::Status st = ReadFileInto(path_, buf_); !st.ok()) return st;
  if (absl::Status st = ParseDiskstats(buf_, disks_); !st.ok()) return st;
  for (const DiskStats& d : disks_) {
    if (ignore_.Matches(d.device)) continue;
    const std::string device(d.device);
    sink.Add(kInfo,
             {{"device", device},
              {"major", std::to_string(d.major)},
              {"minor", std::to_string(d.minor)}},
             1);
    for (size_t i = 0; i < d.num_counters; ++i) {
      sink.Add(kCounters[i].desc, {{"device", device}},
               static_cast<double>(d.counters[i]) * kCounters[i].scale);
    }
  }
  return absl::OkStatus();
}

}  // namespace vigie::agent
