#include "agent/collector/processes.h"

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

TEST(ParsePidStatTest, CommandWithSpacesAndParentheses) {
  auto st = ParsePidStat(ReadFixture("kvm-swap", "proc/100/stat"));
  ASSERT_TRUE(st.ok()) << st.status();
  EXPECT_EQ(st->state, 'R');
  EXPECT_EQ(st->num_threads, 4u);
}

TEST(ParsePidStatTest, RealInitProcess) {
  auto st = ParsePidStat(ReadFixture("debian-docker", "proc/1/stat"));
  ASSERT_TRUE(st.ok()) << st.status();
  EXPECT_EQ(st->state, 'S');
  EXPECT_EQ(st->num_threads, 13u);
}

TEST(ParsePidStatTest, MalformedIsAnError) {
  EXPECT_TRUE(absl::IsInvalidArgument(ParsePidStat("123 (x) S 1 2 3").status()));
  EXPECT_TRUE(absl::IsInvalidArgument(ParsePidStat("garbage").status()));
  EXPECT_TRUE(absl::IsInvalidArgument(ParsePidStat("").status()));
  EXPECT_TRUE(absl::IsInvalidArgument(
      ParsePidStat("1 (x) SS 0 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0").status()));
}

TEST(ProcessesCollectorTest, CountsStatesThreadsAndLimits) {
  ProcessesCollector collector(FixtureContext("kvm-swap"));
  SampleBuffer sink = CollectOk(collector);
  // pids 1 (S, 1 thread), 100 (R, 4), 200 (I, 1), 300 (D, 2), 301 (Z, 1).
  EXPECT_EQ(sink.Find("node_processes_pids").value(), 5);
  EXPECT_EQ(sink.Find("node_processes_threads").value(), 9);
  for (const char* state : {"S", "R", "I", "D", "Z"}) {
    EXPECT_EQ(sink.Find("node_processes_state", {{"state", state}}).value(), 1) << state;
  }
  EXPECT_EQ(sink.Count("node_processes_state"), 5u);
  EXPECT_EQ(sink.Find("node_processes_max_processes").value(), 4194304);
  EXPECT_EQ(sink.Find("node_processes_max_threads").value(), 63304);
}

TEST(ProcessesCollectorTest, RealHost) {
  ProcessesCollector collector(FixtureContext("debian-docker"));
  SampleBuffer sink = CollectOk(collector);
  EXPECT_EQ(sink.Find("node_processes_pids").value(), 6);
  EXPECT_EQ(sink.Find("node_processes_threads").value(), 18);
  EXPECT_EQ(sink.Find("node_processes_state", {{"state", "S"}}).value(), 3);
  EXPECT_EQ(sink.Find("node_processes_state", {{"state", "I"}}).value(), 3);
  EXPECT_EQ(sink.Find("node_processes_max_processes").value(), 32768);
}

TEST(ProcessesCollectorTest, VanishedAndGarbledPidsAreSkipped) {
  const std::string proc = MakeScratchDir("proc");
  WriteScratchFile(proc, "7/stat",
                   "7 (ok) S 1 7 7 0 -1 0 0 0 0 0 0 0 0 0 20 0 3 0 1 0 0 0 0 0 0 0\n");
  WriteScratchFile(proc, "8/stat", "garbage\n");
  WriteScratchFile(proc, "9/status", "exited meanwhile: no stat\n");
  WriteScratchFile(proc, "self/stat", "not a pid dir\n");
  CollectorContext ctx;
  ctx.proc_root = proc;
  ProcessesCollector collector(ctx);
  SampleBuffer sink = CollectOk(collector);
  EXPECT_EQ(sink.Find("node_processes_pids").value(), 1);
  EXPECT_EQ(sink.Find("node_processes_threads").value(), 3);
  EXPECT_FALSE(sink.Find("node_processes_max_processes").has_value());
}

TEST(ProcessesCollectorTest, MissingProcIsAnError) {
  CollectorContext ctx;
  ctx.proc_root = "/nonexistent/proc";
  ProcessesCollector collector(ctx);
  SampleBuffer sink;
  EXPECT_FALSE(collector.Collect(sink).ok());
}

}  // namespace
}  // namespace vigie::agent
