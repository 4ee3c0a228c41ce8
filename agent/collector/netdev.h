// Network device collector: /proc/net/dev -> node_exporter's netdev metrics,
// labelled {device}: node_network_receive_{bytes,packets,errs,drop,fifo,frame,
// compressed,multicast}_total and node_network_transmit_{bytes,packets,errs,
// drop,fifo,colls,carrier,compressed}_total; plus node_network_up{device}
// (1 when <sys_root>/class/net/<device>/operstate is "up") when readable.
// Devices fully matching ctx.net_exclude_devices are skipped.
//
// Parse errors: after the two header lines, a line without "name:" or without
// 16 numeric counters is an InvalidArgument error.
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

inline constexpr size_t kNetDevCounters = 16;

struct NetDevStats {
  std::string_view device;  // points into the parsed content
  // Receive bytes..multicast then transmit bytes..compressed, in file order.
  std::array<uint64_t, kNetDevCounters> counters{};
};

// Parses /proc/net/dev content into `out` (cleared first).
absl::Status ParseNetDev(std::string_view content, std::vector<NetDevStats>& out);

// Not thread-safe.
class NetdevCollector final : public Collector {
 public:
  explicit NetdevCollector(const CollectorContext& ctx);
  std::string_view name() const override { return "netdev"; }
  absl::Status Collect(SampleSink& sink) override;

 private:
  const std::string path_;
  const std::string sys_class_net_;
  const NameFilter exclude_;
  std::string buf_;
  std::vector<NetDevStats> devices_;
};

}  // namespace vigie::agent
