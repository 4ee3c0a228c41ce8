#include "agent/collector/uptime.h"

#include <vector>

#include "agent/collector/collector_util.h"

namespace vigie::agent {

absl::StatusOr<double> ParseUptime(std::string_view content) {
  std::vector<std::string_view> fields;
  std::string_view line;
  NextLine(content, line);
  double uptime = 0;
  if (SplitFields(line, fields) < 1 || !ParseDouble(fields[0], uptime)) {
    return MalformedLine("/proc/uptime", 1, line);
  }
  return uptime;
}

absl::StatusOr<uint64_t> ParseBootTime(std::string_view proc_stat) {
  constexpr std::string_view kKey = "btime ";
  std::string_view line;
  size_t line_no = 0;
  while (NextLine(proc_stat, line)) {
    ++line_no;
    if (line.substr(0, kKey.size()) != kKey) continue;
    uint64_t btime = 0;
    if (!ParseUint64(TrimSpace(line.substr(kKey.size())), btime)) {
      return MalformedLine("/proc/stat", line_no, line);
    }
    return btime;
  }
  return absl::InvalidArgumentError("/proc/stat: no \"btime\" line");
}

}  // namespace vigie::agent
