#include "agent/collector/diskstats.h"

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

std::set<std::string> Devices(const SampleBuffer& sink) {
  std::set<std::string> devices;
  for (const Sample& s : sink.samples()) devices.insert(s.labels[0].value);
  return devices;
}

TEST(ParseDiskstatsTest, RealHostWithSeventeenCounters) {
  const std::string content = ReadFixture("debian-docker", "proc/diskstats");
  std::vector<DiskStats> disks;
  ASSERT_TRUE(ParseDiskstats(content, disks).ok());
  ASSERT_EQ(disks.size(), 10u);
  const DiskStats& vda = disks[8];
  EXPECT_EQ(vda.device, "vda");
  EXPECT_EQ(vda.major, 254u);
  EXPECT_EQ(vda.num_counters, 17u);
  EXPECT_EQ(vda.counters[0], 29039u);
  EXPECT_EQ(vda.counters[16], 32u);
}

TEST(ParseDiskstatsTest, OldElevenCounterFormat) {
  std::vector<DiskStats> disks;
  ASSERT_TRUE(ParseDiskstats(ReadFixture("kvm-swap", "proc/diskstats"), disks).ok());
  ASSERT_EQ(disks.size(), 9u);
  EXPECT_EQ(disks[4].device, "nvme0n1");
  EXPECT_EQ(disks[4].num_counters, 11u);
  EXPECT_EQ(disks[4].counters[10], 370u);
}

TEST(ParseDiskstatsTest, MalformedLinesAreErrors) {
  std::vector<DiskStats> disks;
  EXPECT_TRUE(absl::IsInvalidArgument(ParseDiskstats("8 0 sda 1 2 3\n", disks)));
  EXPECT_TRUE(absl::IsInvalidArgument(ParseDiskstats("8 0 sda x 2 3 4 5 6 7 8 9 10 11\n", disks)));
  EXPECT_TRUE(absl::IsInvalidArgument(ParseDiskstats("a 0 sda 1 2 3 4 5 6 7 8 9 10 11\n", disks)));
}

TEST(DiskstatsCollectorTest, RealHostSkipsLoopAndZram) {
  DiskstatsCollector collector(FixtureContext("debian-docker"));
  SampleBuffer sink = CollectOk(collector);
  EXPECT_EQ(Devices(sink), (std::set<std::string>{"vda"}));
  EXPECT_EQ(sink.samples().size(), 18u);  // 17 counters + node_disk_info
  const Labels vda = {{"device", "vda"}};
  // 254 0 vda 29039 6743 2465234 6526 22789 8370 1991424 3565 0 7244 10345 4323 31 352616 220 1069
  // 32
  EXPECT_EQ(sink.Find("node_disk_reads_completed_total", vda).value(), 29039);
  EXPECT_EQ(sink.Find("node_disk_reads_merged_total", vda).value(), 6743);
  EXPECT_EQ(sink.Find("node_disk_read_bytes_total", vda).value(), 2465234.0 * 512);
  EXPECT_DOUBLE_EQ(sink.Find("node_disk_read_time_seconds_total", vda).value(), 6.526);
  EXPECT_EQ(sink.Find("node_disk_writes_completed_total", vda).value(), 22789);
  EXPECT_EQ(sink.Find("node_disk_written_bytes_total", vda).value(), 1991424.0 * 512);
  EXPECT_DOUBLE_EQ(sink.Find("node_disk_write_time_seconds_total", vda).value(), 3.565);
  EXPECT_EQ(sink.Find("node_disk_io_now", vda).value(), 0);
  EXPECT_DOUBLE_EQ(sink.Find("node_disk_io_time_seconds_total", vda).value(), 7.244);
  EXPECT_DOUBLE_EQ(sink.Find("node_disk_io_time_weighted_seconds_total", vda).value(), 10.345);
  EXPECT_EQ(sink.Find("node_disk_discards_completed_total", vda).value(), 4323);
  EXPECT_EQ(sink.Find("node_disk_discarded_sectors_total", vda).value(), 352616);
  EXPECT_EQ(sink.Find("node_disk_flush_requests_total", vda).value(), 1069);
  EXPECT_EQ(
      sink.Find("node_disk_info", {{"device", "vda"}, {"major", "254"}, {"minor", "0"}}).value(),
      1);
}

TEST(DiskstatsCollectorTest, PartitionsAreSkippedWholeDisksKept) {
  DiskstatsCollector collector(FixtureContext("kvm-swap"));
  SampleBuffer sink = CollectOk(collector);
  // sda1, sda2, nvme0n1p1, loop0 and zram0 are ignored.
  EXPECT_EQ(Devices(sink), (std::set<std::string>{"sda", "nvme0n1", "dm-0", "sr0"}));
  EXPECT_EQ(sink.Count("node_disk_info"), 4u);
  EXPECT_EQ(sink.Count("node_disk_reads_completed_total"), 4u);
  EXPECT_EQ(sink.Count("node_disk_discards_completed_total"), 3u);  // not nvme0n1 (old format)
  EXPECT_EQ(sink.Count("node_disk_flush_requests_total"), 1u);      // sda only
  EXPECT_EQ(sink.Find("node_disk_io_now", {{"device", "sda"}}).value(), 2);
  EXPECT_EQ(sink.Find("node_disk_read_bytes_total", {{"device", "nvme0n1"}}).value(),
            24000.0 * 512);
}

}  // namespace
}  // namespace vigie::agent
