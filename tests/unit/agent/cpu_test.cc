#include "agent/collector/cpu.h"

#include "agent/collector/sample_buffer.h"
#include "gtest/gtest.h"
#include "tests/unit/agent/collector_test_util.h"

namespace vigie::agent {
namespace {

using ::vigie::agent::testing::CollectOk;
using ::vigie::agent::testing::FixtureContext;
using ::vigie::agent::testing::MakeScratchDir;
using ::vigie::agent::testing::ReadFixture;
using ::vigie::agent::testing::WriteScratchFile;

TEST(ParseProcStatTest, RealTwoCpuHost) {
  ProcStat stat;
  ASSERT_TRUE(ParseProcStat(ReadFixture("debian-docker", "proc/stat"), 100, stat).ok());
  // cpu  5452 0 2105 76108 287 0 41 27 0 0
  EXPECT_DOUBLE_EQ(stat.total[kCpuUser], 54.52);
  EXPECT_DOUBLE_EQ(stat.total[kCpuSystem], 21.05);
  EXPECT_DOUBLE_EQ(stat.total[kCpuIdle], 761.08);
  EXPECT_DOUBLE_EQ(stat.total[kCpuSteal], 0.27);
  ASSERT_EQ(stat.cpus.size(), 2u);
  EXPECT_EQ(stat.cpus[1].cpu, 1u);
  EXPECT_DOUBLE_EQ(stat.cpus[1].times[kCpuIowait], 2.77);  // cpu1 ... 277 ...
  EXPECT_EQ(stat.context_switches, 338346u);
  EXPECT_EQ(stat.interrupts, 169787u);
  EXPECT_EQ(stat.forks, 4486u);
  EXPECT_EQ(stat.procs_running, 1u);
  EXPECT_EQ(stat.procs_blocked, 0u);
  EXPECT_EQ(stat.boot_time, 1795932900u);
}

TEST(ParseProcStatTest, FourCpusWithGuestTimeAndOtherHz) {
  ProcStat stat;
  ASSERT_TRUE(ParseProcStat(ReadFixture("kvm-swap", "proc/stat"), 250, stat).ok());
  ASSERT_EQ(stat.cpus.size(), 4u);
  EXPECT_DOUBLE_EQ(stat.total[kCpuUser], 1000 / 250.0);
  EXPECT_DOUBLE_EQ(stat.total[kCpuGuest], 9 / 250.0);
  EXPECT_DOUBLE_EQ(stat.total[kCpuGuestNice], 1 / 250.0);
  EXPECT_DOUBLE_EQ(stat.cpus[3].times[kCpuIowait], 20 / 250.0);
  EXPECT_EQ(stat.procs_blocked, 1u);
}

TEST(ParseProcStatTest, OldKernelWithFourValuesIsAccepted) {
  ProcStat stat;
  ASSERT_TRUE(ParseProcStat("cpu 1 2 3 4\ncpu0 1 2 3 4\n", 100, stat).ok());
  EXPECT_DOUBLE_EQ(stat.total[kCpuIdle], 0.04);
  EXPECT_EQ(stat.total[kCpuSteal], 0);
}

TEST(ParseProcStatTest, MalformedInputIsAnError) {
  ProcStat stat;
  EXPECT_TRUE(absl::IsInvalidArgument(ParseProcStat("cpu 1 2 3\n", 100, stat)));
  EXPECT_TRUE(absl::IsInvalidArgument(ParseProcStat("cpu 1 2 3 4\ncpu0 a b c d\n", 100, stat)));
  EXPECT_TRUE(absl::IsInvalidArgument(ParseProcStat("cpu 1 2 3 4\ncpuX 1 2 3 4\n", 100, stat)));
  EXPECT_TRUE(absl::IsInvalidArgument(ParseProcStat("cpu 1 2 3 4\nctxt many\n", 100, stat)));
  EXPECT_TRUE(absl::IsInvalidArgument(ParseProcStat("ctxt 5\n", 100, stat)));
  EXPECT_TRUE(absl::IsInvalidArgument(ParseProcStat("", 100, stat)));
}

TEST(CpuBusyRatioTest, IdleAndIowaitAreNotBusy) {
  CpuTimes prev{};
  CpuTimes cur{};
  cur[kCpuUser] = 3;
  cur[kCpuIdle] = 0.5;
  cur[kCpuIowait] = 0.5;
  cur[kCpuGuest] = 100;  // already counted in user: ignored
  EXPECT_DOUBLE_EQ(CpuBusyRatio(prev, cur).value(), 0.75);
  EXPECT_FALSE(CpuBusyRatio(cur, cur).has_value());
  EXPECT_FALSE(CpuBusyRatio(cur, prev).has_value());  // counters went backwards
}

TEST(CpuCollectorTest, EmitsNodeExporterSeriesFromFixture) {
  CpuCollector collector(FixtureContext("debian-docker"), 100);
  SampleBuffer sink = CollectOk(collector);
  EXPECT_EQ(sink.Count("node_cpu_seconds_total"), 16u);  // 2 cpus x 8 modes
  EXPECT_EQ(sink.Count("node_cpu_guest_seconds_total"), 4u);
  EXPECT_DOUBLE_EQ(sink.Find("node_cpu_seconds_total", {{"mode", "iowait"}, {"cpu", "1"}}).value(),
                   2.77);
  EXPECT_DOUBLE_EQ(sink.Find("node_cpu_seconds_total", {{"cpu", "0"}, {"mode", "softirq"}}).value(),
                   0.05);
  EXPECT_EQ(sink.Find("node_context_switches_total").value(), 338346);
  EXPECT_EQ(sink.Find("node_intr_total").value(), 169787);
  EXPECT_EQ(sink.Find("node_forks_total").value(), 4486);
  EXPECT_EQ(sink.Find("node_procs_running").value(), 1);
  EXPECT_EQ(sink.Find("node_procs_blocked").value(), 0);
  EXPECT_EQ(sink.Count("vigie_cpu_utilisation_ratio"), 0u);  // first round
  EXPECT_EQ(sink.samples().size(), 25u);
}

TEST(CpuCollectorTest, UtilisationFromTheDeltaOfTwoRounds) {
  const std::string root = MakeScratchDir("proc");
  CollectorContext ctx;
  ctx.proc_root = root;
  CpuCollector collector(ctx, 100);
  SampleBuffer sink;
  WriteScratchFile(root, "stat", "cpu 100 0 100 800 0 0 0 0 0 0\ncpu0 100 0 100 800 0 0 0 0 0 0\n");
  ASSERT_TRUE(collector.Collect(sink).ok());
  EXPECT_FALSE(sink.Find("vigie_cpu_utilisation_ratio").has_value());
  // +100 user, +50 system, +40 idle, +10 iowait: busy 150 of 200 ticks.
  WriteScratchFile(root, "stat",
                   "cpu 200 0 150 840 10 0 0 0 0 0\ncpu0 200 0 150 840 10 0 0 0 0 0\n");
  sink.Clear();
  ASSERT_TRUE(collector.Collect(sink).ok());
  EXPECT_DOUBLE_EQ(sink.Find("vigie_cpu_utilisation_ratio").value(), 0.75);
}

TEST(CpuCollectorTest, MissingFileIsAnError) {
  CollectorContext ctx;
  ctx.proc_root = "/nonexistent/proc";
  CpuCollector collector(ctx, 100);
  SampleBuffer sink;
  EXPECT_TRUE(absl::IsNotFound(collector.Collect(sink)));
  EXPECT_TRUE(sink.samples().empty());
}

}  // namespace
}  // namespace vigie::agent
