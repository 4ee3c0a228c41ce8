#include "agent/collector/processes.h"

#include "agent/collector/collector_util.h"

namespace vigie::agent {

absl::StatusOr<PidStat> ParsePidStat(std::string_view content) {
  const size_t paren = content.rfind(')');
  if (paren == std::string_view::npos) return MalformedLine("/proc/<pid>/stat", 1, content);
  std::string_view rest = content.substr(paren + 1);
  std::string_view line;
  NextLine(rest, line);
  // After ')': field 3 (state) is token 0, field 20 (num_threads) token 17.
  const std::string_view state = NthField(line, 0);
  PidStat out;
  if (state.size() != 1 || !ParseUint64(NthField(line, 17), out.num_threads)) {
    return MalformedLine("/proc/<pid>/stat", 1, content);
  }
  out.state = state[0];
  return out;
}

absl::StatusOr<uint64_t> ParseLoadavgThreads(std::string_view content) {
  std::string_view line;
  NextLine(content, line);
  const std::string_view field = NthField(line, 3);  // "running/total"
  const size_t slash = field.find('/');
  uint64_t running = 0;
  uint64_t total = 0;
  if (slash == std::string_view::npos || !ParseUint64(field.substr(0, slash), running) ||
      !ParseUint64(field.substr(slash + 1), total)) {
    return MalformedLine("/proc/loadavg", 1, line);
  }
  return total;
}

}  // namespace vigie::agent
