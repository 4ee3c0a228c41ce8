// Runs the real collectors on this host: the only test that reads /proc and
// /sys directly. Asserts presence and sanity, not values.
#include <cmath>

#include "agent/collector/inventory.h"
#include "agent/collector/registry.h"
#include "agent/collector/runner.h"
#include "agent/collector/sample_buffer.h"
#include "gtest/gtest.h"

namespace vigie::agent {
namespace {

TEST(LiveSmokeTest, DefaultCollectorsOnThisHost) {
  SystemClock clock;
  CollectorContext ctx = DefaultCollectorContext();
  ctx.clock = &clock;
  std::vector<std::unique_ptr<Collector>> collectors = MakeDefaultCollectors(ctx);
  std::vector<std::string_view> names;
  for (const auto& c : collectors) names.push_back(c->name());
  EXPECT_EQ(names, (std::vector<std::string_view>{"cpu", "meminfo", "loadavg", "filesystem",
                                                  "diskstats", "netdev", "uptime", "processes"}));
  CollectorRunner runner(std::move(collectors), clock);
  SampleBuffer sink;
  runner.CollectRound(sink);

  for (const Sample& s : sink.samples()) {
    EXPECT_TRUE(std::isfinite(s.value)) << s.name;
    if (s.name == "vigie_agent_collector_success") {
      EXPECT_EQ(s.value, 1) << s.labels[0].value;
    }
  }
  ASSERT_TRUE(sink.Find("node_load1").has_value());
  EXPECT_GE(sink.Find("node_load1").value(), 0);
  ASSERT_TRUE(sink.Find("node_memory_mem_total_bytes").has_value());
  EXPECT_GT(sink.Find("node_memory_mem_total_bytes").value(), 0);
  EXPECT_GT(sink.Count("node_cpu_seconds_total"), 0u);
  EXPECT_GT(sink.Find("node_processes_pids").value(), 0);
  EXPECT_GT(sink.Find("node_boot_time_seconds").value(), 0);
  EXPECT_GT(sink.Find("node_time_seconds").value(), sink.Find("node_boot_time_seconds").value());

  // The second round has a CPU utilisation in [0, 1].
  sink.Clear();
  runner.CollectRound(sink);
  auto ratio = sink.Find("vigie_cpu_utilisation_ratio");
  if (ratio.has_value()) {  // absent only if no tick elapsed between rounds
    EXPECT_GE(*ratio, 0);
    EXPECT_LE(*ratio, 1);
  }
}

TEST(LiveSmokeTest, PlatformAndInventory) {
  PlatformInfo platform = ReadPlatformInfo();
  EXPECT_FALSE(platform.hostname.empty());
  EXPECT_FALSE(platform.fqdn.empty());
  EXPECT_FALSE(platform.kernel_release.empty());
  EXPECT_FALSE(platform.machine.empty());
  absl::StatusOr<HostInventory> inv = ReadInventory(DefaultCollectorContext(), platform);
  ASSERT_TRUE(inv.ok()) << inv.status();
  EXPECT_GT(inv->cpu_count, 0u);
  EXPECT_GT(inv->memory_bytes, 0u);
  EXPECT_FALSE(inv->virtualization.empty());
}

}  // namespace
}  // namespace vigie::agent
