#include "agent/collector/netdev.h"

#include <set>
#include <string>
#include <vector>

#include "agent/collector/sample_buffer.h"
#include "gtest/gtest.h"
#include "tests/unit/agent/collector_test_util.h"

namespace vigie::agent {
namespace {

using ::vigie::agent::testing::CollectOk;
using ::vigie::agent::testing::FixtureContext;
using ::vigie::agent::testing::ReadFixture;

constexpr std::string_view kHeader =
    "Inter-|   Receive                                                |  Transmit\n"
    " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs "
    "drop fifo colls carrier compressed\n";

std::set<std::string> Devices(const SampleBuffer& sink) {
  std::set<std::string> devices;
  for (const Sample& s : sink.samples()) devices.insert(s.labels[0].value);
  return devices;
}

TEST(ParseNetDevTest, CountersJoinedToTheColon) {
  std::vector<NetDevStats> devs;
  ASSERT_TRUE(ParseNetDev(ReadFixture("kvm-swap", "proc/net/dev"), devs).ok());
  ASSERT_EQ(devs.size(), 3u);
  EXPECT_EQ(devs[1].device, "ens3");
  EXPECT_EQ(devs[1].counters[0], 98765432109u);  // "ens3:98765432109"
  EXPECT_EQ(devs[1].counters[7], 6u);
  EXPECT_EQ(devs[1].counters[15], 12u);
  EXPECT_EQ(devs[2].device, "docker0");
}

TEST(ParseNetDevTest, MalformedLinesAreErrors) {
  std::vector<NetDevStats> devs;
  const std::string header(kHeader);
  EXPECT_TRUE(absl::IsInvalidArgument(ParseNetDev(header + "eth0 1 2 3\n", devs)));
  EXPECT_TRUE(absl::IsInvalidArgument(ParseNetDev(header + "eth0: 1 2 3\n", devs)));
  EXPECT_TRUE(absl::IsInvalidArgument(
      ParseNetDev(header + ": 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n", devs)));
  EXPECT_TRUE(ParseNetDev(header, devs).ok());
  EXPECT_TRUE(devs.empty());
}

TEST(NetdevCollectorTest, LoopbackExcludedOperstateRead) {
  NetdevCollector collector(FixtureContext("kvm-swap"));
  SampleBuffer sink = CollectOk(collector);
  EXPECT_EQ(Devices(sink), (std::set<std::string>{"ens3", "docker0"}));
  EXPECT_EQ(sink.samples().size(), 2u * 17u);
  const Labels ens3 = {{"device", "ens3"}};
  EXPECT_EQ(sink.Find("node_network_receive_bytes_total", ens3).value(), 98765432109.0);
  EXPECT_EQ(sink.Find("node_network_receive_packets_total", ens3).value(), 1234567);
  EXPECT_EQ(sink.Find("node_network_receive_errs_total", ens3).value(), 1);
  EXPECT_EQ(sink.Find("node_network_receive_drop_total", ens3).value(), 2);
  EXPECT_EQ(sink.Find("node_network_receive_fifo_total", ens3).value(), 3);
  EXPECT_EQ(sink.Find("node_network_receive_frame_total", ens3).value(), 4);
  EXPECT_EQ(sink.Find("node_network_receive_compressed_total", ens3).value(), 5);
  EXPECT_EQ(sink.Find("node_network_receive_multicast_total", ens3).value(), 6);
  EXPECT_EQ(sink.Find("node_network_transmit_bytes_total", ens3).value(), 12345678);
  EXPECT_EQ(sink.Find("node_network_transmit_packets_total", ens3).value(), 765432);
  EXPECT_EQ(sink.Find("node_network_transmit_errs_total", ens3).value(), 7);
  EXPECT_EQ(sink.Find("node_network_transmit_drop_total", ens3).value(), 8);
  EXPECT_EQ(sink.Find("node_network_transmit_fifo_total", ens3).value(), 9);
  EXPECT_EQ(sink.Find("node_network_transmit_colls_total", ens3).value(), 10);
  EXPECT_EQ(sink.Find("node_network_transmit_carrier_total", ens3).value(), 11);
  EXPECT_EQ(sink.Find("node_network_transmit_compressed_total", ens3).value(), 12);
  EXPECT_EQ(sink.Find("node_network_up", ens3).value(), 1);
  EXPECT_EQ(sink.Find("node_network_up", {{"device", "docker0"}}).value(), 0);
}

TEST(NetdevCollectorTest, RealHost) {
  NetdevCollector collector(FixtureContext("debian-docker"));
  SampleBuffer sink = CollectOk(collector);
  EXPECT_EQ(Devices(sink), (std::set<std::string>{"eth0", "ifb0", "ifb1"}));
  EXPECT_EQ(sink.Find("node_network_receive_bytes_total", {{"device", "eth0"}}).value(), 46127766);
  EXPECT_EQ(sink.Find("node_network_transmit_packets_total", {{"device", "eth0"}}).value(), 524);
  EXPECT_EQ(sink.Find("node_network_up", {{"device", "eth0"}}).value(), 1);
  EXPECT_EQ(sink.Find("node_network_up", {{"device", "ifb0"}}).value(), 0);
}

TEST(NetdevCollectorTest, CustomExcludeAndNoSysfs) {
  CollectorContext ctx = FixtureContext("kvm-swap");
  ctx.net_exclude_devices = "lo|docker.*";
  ctx.sys_root = "/nonexistent/sys";
  NetdevCollector collector(ctx);
  SampleBuffer sink = CollectOk(collector);
  EXPECT_EQ(Devices(sink), (std::set<std::string>{"ens3"}));
  EXPECT_EQ(sink.Count("node_network_up"), 0u);
  EXPECT_EQ(sink.samples().size(), 16u);
}

TEST(NetdevCollectorTest, InvalidExcludePatternIsAnError) {
  CollectorContext ctx = FixtureContext("kvm-swap");
  ctx.net_exclude_devices = "[";
  NetdevCollector collector(ctx);
  SampleBuffer sink;
  EXPECT_TRUE(absl::IsInvalidArgument(collector.Collect(sink)));
}

}  // namespace
}  // namespace vigie::agent
