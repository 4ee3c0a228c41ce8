// Memory collector: /proc/meminfo -> node_memory_<Field>[_bytes] gauges, named
// exactly as node_exporter names them: "Active(anon)" becomes
// node_memory_Active_anon_bytes; fields with a kB unit are converted to bytes
// and get the _bytes suffix; unitless fields (HugePages_Total) keep the bare
// name.
//
// Parse errors (as node_exporter): a line that is not "Key: value [kB]" or
// whose value is not a number is an InvalidArgument error. Blank lines are
// skipped.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "agent/collector/collector.h"

namespace vigie::agent {

struct MeminfoField {
  std::string_view key;  // as in the file, e.g. "Active(anon)"; points into the content
  uint64_t value = 0;    // bytes when has_unit, else the raw count
  bool has_unit = false;
};

// Parses /proc/meminfo content into `out` (cleared first; keys point into
// `content`).
absl::Status ParseMeminfo(std::string_view content, std::vector<MeminfoField>& out);

// The metric name for a field, written into `out` (reused): node_exporter's
// name in snake_case, because promtool's linter refuses camelCase
// (MemTotal -> node_memory_mem_total_bytes, Active(anon) ->
// node_memory_active_anon_bytes, SReclaimable -> node_memory_sreclaimable_bytes),
// with two names chosen by hand (HugePages_Total -> node_memory_huge_pages_pool,
// SecPageTables -> node_memory_secondary_page_tables_bytes). See docs/metrics.md.
void MeminfoMetricName(const MeminfoField& field, std::string& out);

// Value of one field (e.g. "MemTotal"), in bytes for kB fields.
std::optional<uint64_t> FindMeminfoField(const std::vector<MeminfoField>& fields,
                                         std::string_view key);

// Not thread-safe.
class MeminfoCollector final : public Collector {
 public:
  explicit MeminfoCollector(const CollectorContext& ctx);
  std::string_view name() const override { return "meminfo"; }
  absl::Status Collect(SampleSink& sink) override;

 private:
  const std::string path_;
  std::string buf_;
  std::string name_buf_;
  std::vector<MeminfoField> fields_;
};

}  // namespace vigie::agent
