#include <string>

#include "agent/collector/netdev.h"
#include "common/file.h"

namespace vigie::agent {
namespace {

constexpr MetricDesc kCounters[kNetDevCounters] = {
    {"node_network_receive_bytes_total", MetricType::kCounter,
     "Network device statistic receive_bytes."},
    {"node_network_receive_packets_total", MetricType::kCounter,
     "Network device statistic receive_packets."},
    {"node_network_receive_errs_total", MetricType::kCounter,
     "Network device statistic receive_errs."},
    {"node_network_receive_drop_total", MetricType::kCounter,
     "Network device statistic receive_drop."},
    {"node_network_receive_fifo_total", MetricType::kCounter,
     "Network device statistic receive_fifo."},
    {"node_network_receive_frame_total", MetricType::kCounter,
     "Network device statistic receive_frame."},
    {"node_network_receive_compressed_total", MetricType::kCounter,
     "Network device statistic receive_compressed."},
    {"node_network_receive_multicast_total", MetricType::kCounter,
     "Network device statistic receive_multicast."},
    {"node_network_transmit_bytes_total", MetricType::kCounter,
     "Network device statistic transmit_bytes."},
    {"node_network_transmit_packets_total", MetricType::kCounter,
     "Network device statistic transmit_packets."},
    {"node_network_transmit_errs_total", MetricType::kCounter,
     "Network device statistic transmit_errs."},
    {"node_network_transmit_drop_total", MetricType::kCounter,
     "Network device statistic transmit_drop."},
    {"node_network_transmit_fifo_total", MetricType::kCounter,
     "Network device statistic transmit_fifo."},
    {"node_network_transmit_colls_total", MetricType::kCounter,
     "Network device statistic transmit_colls."},
    {"node_network_transmit_carrier_total", MetricType::kCounter,
     "Network device statistic transmit_carrier."},
    {"node_network_transmit_compressed_total", MetricType::kCounter,
     "Network device statistic transmit_compressed."},
};

constexpr MetricDesc kUp{"node_network_up", MetricType::kGauge,
                         "Value is 1 if operstate is 'up', 0 otherwise."};

}  // namespace

NetdevCollector::NetdevCollector(const CollectorContext& ctx)
    : path_(JoinPath(ctx.proc_root, "net/dev")),
      sys_class_net_(JoinPath(ctx.sys_root, "class/net")),
      exclude_(ctx.net_exclude_devices) {}

absl::Status NetdevCollector::Collect(SampleSink& sink) {
  if (!exclude_.status().ok()) return exclude_.status();
  if (absl::Status st = ReadFileInto(path_, buf_); !st.ok()) return st;
  if (absl::Status st = ParseNetDev(buf_, devices_); !st.ok()) return st;
  std::string operstate;
  for (const NetDevStats& d : devices_) {
    if (exclude_.Matches(d.device)) continue;
    const std::string device(d.device);
    for (size_t i = 0; i < kNetDevCounters; ++i) {
      sink.Add(kCounters[i], {{"device", device}}, static_cast<double>(d.counters[i]));
    }
    // Absent in containers without /sys/class/net: then no node_network_up.
    const std::string path = JoinPath(sys_class_net_, device) + "/operstate";
    if (ReadFileInto(path, operstate).ok()) {
      sink.Add(kUp, {{"device", device}}, TrimSpace(operstate) == "up" ? 1 : 0);
    }
  }
  return absl::OkStatus();
}

}  // namespace vigie::agent
