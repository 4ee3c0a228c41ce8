#include "agent/collector/loadavg.h"

#include "agent/collector/sample_buffer.h"
#include "gtest/gtest.h"
#include "tests/unit/agent/collector_test_util.h"

namespace vigie::agent {
namespace {

using ::vigie::agent::testing::CollectOk;
using ::vigie::agent::testing::FixtureContext;
using ::vigie::agent::testing::ReadFixture;

TEST(ParseLoadavgTest, RealHost) {
  auto loads = ParseLoadavg(ReadFixture("debian-docker", "proc/loadavg"));
  ASSERT_TRUE(loads.ok()) << loads.status();
  EXPECT_EQ((*loads)[0], 0.11);
  EXPECT_EQ((*loads)[1], 0.16);
  EXPECT_EQ((*loads)[2], 0.08);
}

TEST(ParseLoadavgTest, MalformedInputIsAnError) {
  EXPECT_TRUE(absl::IsInvalidArgument(ParseLoadavg("0.1 0.2\n").status()));
  EXPECT_TRUE(absl::IsInvalidArgument(ParseLoadavg("a b c 1/2 3\n").status()));
  EXPECT_TRUE(absl::IsInvalidArgument(ParseLoadavg("").status()));
}

TEST(LoadavgCollectorTest, EmitsThreeGauges) {
  LoadavgCollector collector(FixtureContext("kvm-swap"));
  SampleBuffer sink = CollectOk(collector);
  ASSERT_EQ(sink.samples().size(), 3u);
  EXPECT_EQ(sink.Find("node_load1").value(), 1.5);
  EXPECT_EQ(sink.Find("node_load5").value(), 0.75);
  EXPECT_EQ(sink.Find("node_load15").value(), 0.25);
}

}  // namespace
}  // namespace vigie::agent
