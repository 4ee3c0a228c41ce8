#include "agent/collector/netdev.h"

namespace vigie::agent {

absl::Status ParseNetDev(std::string_view content, std::vector<NetDevStats>& out) {
  constexpr std::string_view kWhat = "/proc/net/dev";
  out.clear();
  std::vector<std::string_view> fields;
  std::string_view line;
  size_t line_no = 0;
  while (NextLine(content, line)) {
    ++line_no;
    if (line_no <= 2 || TrimSpace(line).empty()) continue;  // headers
    // "  eth0: 123 ..." or, with large counters, "eth0:12345678901 ...".
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) return MalformedLine(kWhat, line_no, line);
    NetDevStats d;
    d.device = TrimSpace(line.substr(0, colon));
    bool ok = !d.device.empty() && SplitFields(line.substr(colon + 1), fields) == kNetDevCounters;
    for (size_t i = 0; ok && i < kNetDevCounters; ++i) ok = ParseUint64(fields[i], d.counters[i]);
    if (!ok) return MalformedLine(kWhat, line_no, line);
    out.push_back(d);
  }
  return absl::OkStatus();
}

}  // namespace vigie::agent
