#include "agent/collector/uptime.h"

#include "agent/collector/sample_buffer.h"
#include "gtest/gtest.h"
#include "tests/unit/agent/collector_test_util.h"

namespace vigie::agent {
namespace {

using ::vigie::agent::testing::CollectOk;
using ::vigie::agent::testing::FixtureContext;
using ::vigie::agent::testing::ReadFixture;

TEST(ParseUptimeTest, RealHost) {
  auto uptime = ParseUptime(ReadFixture("debian-docker", "proc/uptime"));
  ASSERT_TRUE(uptime.ok()) << uptime.status();
  EXPECT_EQ(*uptime, 421.56);
  EXPECT_TRUE(absl::IsInvalidArgument(ParseUptime("soon\n").status()));
  EXPECT_TRUE(absl::IsInvalidArgument(ParseUptime("").status()));
}

TEST(ParseBootTimeTest, FindsBtime) {
  auto btime = ParseBootTime(ReadFixture("debian-docker", "proc/stat"));
  ASSERT_TRUE(btime.ok()) << btime.status();
  EXPECT_EQ(*btime, 1795932900u);
  EXPECT_TRUE(absl::IsInvalidArgument(ParseBootTime("cpu 1 2 3 4\n").status()));
  EXPECT_TRUE(absl::IsInvalidArgument(ParseBootTime("btime yesterday\n").status()));
}

TEST(UptimeCollectorTest, EmitsBootTimeNowAndUptime) {
  FakeClock clock(1'700'000'000'500);
  CollectorContext ctx = FixtureContext("kvm-swap");
  ctx.clock = &clock;
  UptimeCollector collector(ctx);
  SampleBuffer sink = CollectOk(collector);
  ASSERT_EQ(sink.samples().size(), 3u);
  EXPECT_EQ(sink.Find("node_boot_time_seconds").value(), 1732860000);
  EXPECT_EQ(sink.Find("node_time_seconds").value(), 1700000000.5);
  EXPECT_EQ(sink.Find("vigie_host_uptime_seconds").value(), 1234567.89);
}

TEST(UptimeCollectorTest, NoClockNoTimeSeries) {
  UptimeCollector collector(FixtureContext("debian-docker"));
  SampleBuffer sink = CollectOk(collector);
  EXPECT_EQ(sink.samples().size(), 2u);
  EXPECT_FALSE(sink.Find("node_time_seconds").has_value());
}

}  // namespace
}  // namespace vigie::agent
