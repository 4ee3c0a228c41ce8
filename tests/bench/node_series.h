// Node_exporter-like series for the ingest benchmarks: realistic metric names
// and labels (CPU modes, filesystems, disks, network devices, meminfo, ...)
// and values that move like the real ones (counters grow, gauges wobble).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace vigie::v1 {
class Batch;
}  // namespace vigie::v1

namespace vigie::bench {

struct SeriesDef {
  std::string name;
  std::vector<std::pair<std::string, std::string>> labels;  // sorted by name
  bool counter = false;
};

// The first `n` series of a node_exporter-like host (cycles through more CPUs,
// disks and devices when `n` is large). Deterministic.
std::vector<SeriesDef> NodeExporterLikeSeries(size_t n);

// The value of series `index` at collection round `round` (counters grow by
// irregular amounts, gauges wobble, some stay constant).
double SeriesValue(size_t index, const SeriesDef& def, uint64_t round);

// Replaces `batch`'s samples with one sample per series, stamped `timestamp_ms`,
// and sets seq and created_ms.
void FillBatch(const std::vector<SeriesDef>& series, uint64_t seq, uint64_t round,
               int64_t timestamp_ms, vigie::v1::Batch& batch);

// Refreshes a batch FillBatch built from the same series: only seq, the
// timestamps and the values change (no string copies).
void UpdateBatch(const std::vector<SeriesDef>& series, uint64_t seq, uint64_t round,
                 int64_t timestamp_ms, vigie::v1::Batch& batch);

}  // namespace vigie::bench
