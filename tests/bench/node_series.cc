#include "tests/bench/node_series.h"

#include <algorithm>
#include <array>
#include <cmath>

#include "common/strings.h"
#include "vigie/v1/ingest.pb.h"

namespace vigie::bench {
namespace {

using Labels = std::vector<std::pair<std::string, std::string>>;

struct Builder {
  std::vector<SeriesDef>& out;
  size_t limit;

  bool Full() const { return out.size() >= limit; }
  void Add(std::string name, Labels labels, bool counter) {
    if (Full()) return;
    std::sort(labels.begin(), labels.end());
    out.push_back({std::move(name), std::move(labels), counter});
  }
};

// One "generation" of a host's series; `g` varies device names so that large
// `n` keeps producing distinct series.
void AddHost(Builder& b, int g) {
  const std::string sfx = g == 0 ? "" : StrCat("_", g);
  static constexpr std::array kModes = {"idle",    "iowait", "irq",    "nice",
                                        "softirq", "steal",  "system", "user"};
  for (int cpu = 0; cpu < 4; ++cpu) {
    for (const char* mode : kModes) {
      b.Add("node_cpu_seconds_total", {{"cpu", StrCat(cpu + 4 * g)}, {"mode", mode}}, true);
    }
  }
  static constexpr std::array kMem = {
      "MemTotal",        "MemFree",       "MemAvailable", "Buffers",
      "Cached",          "SwapCached",    "Active",       "Inactive",
      "Active_anon",     "Inactive_anon", "Active_file",  "Inactive_file",
      "Unevictable",     "Mlocked",       "SwapTotal",    "SwapFree",
      "Dirty",           "Writeback",     "AnonPages",    "Mapped",
      "Shmem",           "KReclaimable",  "Slab",         "SReclaimable",
      "SUnreclaim",      "KernelStack",   "PageTables",   "CommitLimit",
      "Committed_AS",    "VmallocTotal",  "VmallocUsed",  "Percpu",
      "HugePages_Total", "Hugepagesize",  "DirectMap4k",  "DirectMap2M"};
  for (const char* m : kMem) b.Add(StrCat("node_memory_", m, "_bytes", sfx), {}, false);
  for (const char* l : {"node_load1", "node_load5", "node_load15"}) {
    b.Add(StrCat(l, sfx), {}, false);
  }
  static constexpr std::array kFsMetrics = {
      "avail_bytes", "device_error", "files", "files_free", "free_bytes", "readonly", "size_bytes"};
  const std::array<std::array<const char*, 3>, 4> fs = {{{"/dev/vda1", "ext4", "/"},
                                                         {"/dev/vda15", "vfat", "/boot/efi"},
                                                         {"tmpfs", "tmpfs", "/run"},
                                                         {"/dev/vdb", "xfs", "/var/lib/data"}}};
  for (const auto& f : fs) {
    for (const char* m : kFsMetrics) {
      b.Add(StrCat("node_filesystem_", m),
            {{"device", f[0]}, {"fstype", f[1]}, {"mountpoint", StrCat(f[2], sfx)}}, false);
    }
  }
  static constexpr std::array kDisk = {"reads_completed_total",
                                       "reads_merged_total",
                                       "read_bytes_total",
                                       "read_time_seconds_total",
                                       "writes_completed_total",
                                       "writes_merged_total",
                                       "written_bytes_total",
                                       "write_time_seconds_total",
                                       "io_now",
                                       "io_time_seconds_total",
                                       "io_time_weighted_seconds_total",
                                       "discards_completed_total",
                                       "discarded_sectors_total",
                                       "flush_requests_total"};
  for (const char* dev : {"vda", "vdb", "dm-0"}) {
    for (const char* m : kDisk) {
      b.Add(StrCat("node_disk_", m), {{"device", StrCat(dev, sfx)}},
            std::string_view(m).ends_with("_total"));
    }
  }
  static constexpr std::array kNet = {
      "receive_bytes_total",      "receive_packets_total",   "receive_errs_total",
      "receive_drop_total",       "receive_fifo_total",      "receive_frame_total",
      "receive_compressed_total", "receive_multicast_total", "transmit_bytes_total",
      "transmit_packets_total",   "transmit_errs_total",     "transmit_drop_total",
      "transmit_fifo_total",      "transmit_colls_total",    "transmit_carrier_total",
      "transmit_compressed_total"};
  for (const char* dev : {"eth0", "lo", "docker0"}) {
    for (const char* m : kNet) {
      b.Add(StrCat("node_network_", m), {{"device", StrCat(dev, sfx)}}, true);
    }
  }
  for (const char* m : {"node_context_switches_total", "node_intr_total", "node_forks_total"}) {
    b.Add(StrCat(m, sfx), {}, true);
  }
  for (const char* m : {"node_procs_running", "node_procs_blocked", "node_boot_time_seconds",
                        "node_time_seconds", "node_entropy_available_bits"}) {
    b.Add(StrCat(m, sfx), {}, false);
  }
  b.Add("node_uname_info",
        {{"machine", "x86_64"},
         {"nodename", StrCat("web-01", sfx)},
         {"release", "6.1.0-13-amd64"},
         {"sysname", "Linux"},
         {"version", "#1 SMP PREEMPT_DYNAMIC Debian 6.1.55-1"}},
        false);
}

uint64_t Mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9;
  x = (x ^ (x >> 27)) * 0x94d049bb133111eb;
  return x ^ (x >> 31);
}

}  // namespace

std::vector<SeriesDef> NodeExporterLikeSeries(size_t n) {
  std::vector<SeriesDef> out;
  out.reserve(n);
  Builder b{out, n};
  for (int g = 0; !b.Full(); ++g) AddHost(b, g);
  return out;
}

double SeriesValue(size_t index, const SeriesDef& def, uint64_t round) {
  const uint64_t h = Mix(index);
  if (def.counter) {
    // Grows by an irregular amount each round; a quarter of them stay put.
    if (h % 4 == 0) return static_cast<double>(h % 1000);
    return static_cast<double>(h % 100000) +
           static_cast<double>(round) * static_cast<double>(h % 5000) +
           static_cast<double>(Mix(h ^ round) % 1000);
  }
  switch (h % 3) {
    case 0:  // constant (sizes, totals, flags)
      return static_cast<double>((h >> 8) % 64) * 1073741824.0;
    case 1:  // decimal gauge (load average)
      return std::round(static_cast<double>(Mix(h ^ round) % 400)) / 100.0;
    default:  // wobbling byte gauge
      return 8e9 + static_cast<double>(Mix(h + round) % 4096) * 4096.0;
  }
}

void FillBatch(const std::vector<SeriesDef>& series, uint64_t seq, uint64_t round,
               int64_t timestamp_ms, vigie::v1::Batch& batch) {
  batch.Clear();
  batch.mutable_samples()->Reserve(static_cast<int>(series.size()));
  for (const SeriesDef& def : series) {
    vigie::v1::Sample* s = batch.add_samples();
    s->set_name(def.name);
    for (const auto& [name, value] : def.labels) {
      vigie::v1::Label* l = s->add_labels();
      l->set_name(name);
      l->set_value(value);
    }
  }
  UpdateBatch(series, seq, round, timestamp_ms, batch);
}

void UpdateBatch(const std::vector<SeriesDef>& series, uint64_t seq, uint64_t round,
                 int64_t timestamp_ms, vigie::v1::Batch& batch) {
  batch.set_seq(seq);
  batch.set_created_ms(timestamp_ms);
  for (size_t i = 0; i < series.size(); ++i) {
    vigie::v1::Sample* s = batch.mutable_samples(static_cast<int>(i));
    s->set_timestamp_ms(timestamp_ms);
    s->set_value(SeriesValue(i, series[i], round));
  }
}

}  // namespace vigie::bench
