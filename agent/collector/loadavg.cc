#include "agent/collector/loadavg.h"

#include <vector>

#include "agent/collector/collector_util.h"

namespace vigie::agent {

absl::StatusOr<std::array<double, 3>> ParseLoadavg(std::string_view content) {
  std::vector<std::string_view> fields;
  std::string_view line;
  NextLine(content, line);
  std::array<double, 3> loads{};
  if (SplitFields(line, fields) < 3 || !ParseDouble(fields[0], loads[0]) ||
      !ParseDouble(fields[1], loads[1]) || !ParseDouble(fields[2], loads[2])) {
    return MalformedLine("/proc/loadavg", 1, line);
  }
  return loads;
}

}  // namespace vigie::agent
