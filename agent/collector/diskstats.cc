#include "agent/collector/diskstats.h"

#include <algorithm>

namespace vigie::agent {

absl::Status ParseDiskstats(std::string_view content, std::vector<DiskStats>& out) {
  out.clear();
  return ForEachFieldLine(content, "/proc/diskstats", [&](const auto& fields) {
    const size_t n = fields.size();
    DiskStats d;
    uint64_t major = 0;
    uint64_t minor = 0;
    bool ok = n >= 14 && ParseUint64(fields[0], major) && ParseUint64(fields[1], minor);
    d.num_counters = std::min(n - 3, kMaxDiskCounters);
    for (size_t i = 0; ok && i < d.num_counters; ++i)
      ok = ParseUint64(fields[i + 3], d.counters[i]);
    if (!ok) return false;
    d.major = static_cast<uint32_t>(major);
    d.minor = static_cast<uint32_t>(minor);
    d.device = fields[2];
    out.push_back(d);
    return true;
  });
}

}  // namespace vigie::agent
