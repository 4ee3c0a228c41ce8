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

CollectorContext WithStates(CollectorContext ctx) {
  ctx.processes_states = true;
  return ctx;
}

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

TEST(ParseLoadavgThreadsTest, Fixtures) {
  auto threads = ParseLoadavgThreads(ReadFixture("kvm-swap", "proc/loadavg"));
  ASSERT_TRUE(threads.ok()) << threads.status();
  EXPECT_EQ(*threads, 412u);
  threads = ParseLoadavgThreads(ReadFixture("debian-docker", "proc/loadavg"));
  ASSERT_TRUE(threads.ok()) << threads.status();
  EXPECT_EQ(*threads, 83u);
}

TEST(ParseLoadavgThreadsTest, MalformedIsAnError) {
  EXPECT_TRUE(absl::IsInvalidArgument(ParseLoadavgThreads("").status()));
  EXPECT_TRUE(absl::IsInvalidArgument(ParseLoadavgThreads("0.1 0.2 0.3").status()));
  EXPECT_TRUE(absl::IsInvalidArgument(ParseLoadavgThreads("0.1 0.2 0.3 83 4487").status()));
  EXPECT_TRUE(absl::IsInvalidArgument(ParseLoadavgThreads("0.1 0.2 0.3 1/ 4487").status()));
  EXPECT_TRUE(absl::IsInvalidArgument(ParseLoadavgThreads("0.1 0.2 0.3 1/x 4487").status()));
}

TEST(ProcessesCollectorTest, DefaultCountsPidsAndLoadavgThreads) {
  struct Case {
    const char* fixture;
    double pids, threads, max_processes;
  };
  // kvm-swap: pids 1, 100, 200, 300, 301 and "3/412" in loadavg;
  // debian-docker: 6 pids and "1/83".
  for (const Case& c : {Case{"kvm-swap", 5, 412, 4194304}, Case{"debian-docker", 6, 83, 32768}}) {
    ProcessesCollector collector(FixtureContext(c.fixture));
    SampleBuffer sink = CollectOk(collector);
    EXPECT_EQ(sink.Find("node_processes_pids").value(), c.pids) << c.fixture;
    EXPECT_EQ(sink.Find("node_processes_threads").value(), c.threads) << c.fixture;
    EXPECT_EQ(sink.Count("node_processes_state"), 0u) << c.fixture;
    EXPECT_EQ(sink.Find("node_processes_max_processes").value(), c.max_processes) << c.fixture;
  }
}

TEST(ProcessesCollectorTest, DefaultReadsNoPidFile) {
  // Pid directories without any file: counted all the same.
  const std::string proc = MakeScratchDir("proc");
  for (const char* dir : {"7", "8", "9", "self", "sys"}) {
    ASSERT_TRUE(MakeDirs(JoinPath(proc, dir)).ok());
  }
  WriteScratchFile(proc, "loadavg", "0.00 0.01 0.05 1/42 1234\n");
  CollectorContext ctx;
  ctx.proc_root = proc;
  ProcessesCollector collector(ctx);
  SampleBuffer sink = CollectOk(collector);
  EXPECT_EQ(sink.Find("node_processes_pids").value(), 3);
  EXPECT_EQ(sink.Find("node_processes_threads").value(), 42);
  EXPECT_FALSE(sink.Find("node_processes_max_processes").has_value());
}

TEST(ProcessesCollectorTest, DefaultBadLoadavgIsAnErrorAfterThePids) {
  const std::string proc = MakeScratchDir("proc");
  WriteScratchFile(proc, "7/stat", "");
  WriteScratchFile(proc, "loadavg", "0.00 0.01 0.05\n");
  CollectorContext ctx;
  ctx.proc_root = proc;
  ProcessesCollector collector(ctx);
  SampleBuffer sink;
  EXPECT_TRUE(absl::IsInvalidArgument(collector.Collect(sink)));
  EXPECT_EQ(sink.Find("node_processes_pids").value(), 1);
  EXPECT_FALSE(sink.Find("node_processes_threads").has_value());
}

TEST(ProcessesCollectorTest, StatesCountsStatesThreadsAndLimits) {
  ProcessesCollector collector(WithStates(FixtureContext("kvm-swap")));
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

TEST(ProcessesCollectorTest, StatesRealHost) {
  ProcessesCollector collector(WithStates(FixtureContext("debian-docker")));
  SampleBuffer sink = CollectOk(collector);
  EXPECT_EQ(sink.Find("node_processes_pids").value(), 6);
  EXPECT_EQ(sink.Find("node_processes_threads").value(), 18);
  EXPECT_EQ(sink.Find("node_processes_state", {{"state", "S"}}).value(), 3);
  EXPECT_EQ(sink.Find("node_processes_state", {{"state", "I"}}).value(), 3);
  EXPECT_EQ(sink.Find("node_processes_max_processes").value(), 32768);
}

TEST(ProcessesCollectorTest, StatesSkipVanishedAndGarbledPids) {
  const std::string proc = MakeScratchDir("proc");
  WriteScratchFile(proc, "7/stat",
                   "7 (ok) S 1 7 7 0 -1 0 0 0 0 0 0 0 0 0 20 0 3 0 1 0 0 0 0 0 0 0\n");
  WriteScratchFile(proc, "8/stat", "garbage\n");
  WriteScratchFile(proc, "9/status", "exited meanwhile: no stat\n");
  WriteScratchFile(proc, "self/stat", "not a pid dir\n");
  CollectorContext ctx;
  ctx.proc_root = proc;
  ctx.processes_states = true;
  ProcessesCollector collector(ctx);
  SampleBuffer sink = CollectOk(collector);
  EXPECT_EQ(sink.Find("node_processes_pids").value(), 1);
  EXPECT_EQ(sink.Find("node_processes_threads").value(), 3);
  EXPECT_EQ(sink.Find("node_processes_state", {{"state", "S"}}).value(), 1);
  EXPECT_FALSE(sink.Find("node_processes_max_processes").has_value());
}

TEST(ProcessesCollectorTest, MissingProcIsAnError) {
  for (bool states : {false, true}) {
    CollectorContext ctx;
    ctx.proc_root = "/nonexistent/proc";
    ctx.processes_states = states;
    ProcessesCollector collector(ctx);
    SampleBuffer sink;
    EXPECT_FALSE(collector.Collect(sink).ok()) << states;
    EXPECT_EQ(sink.samples().size(), 0u) << states;
  }
}

}  // namespace
}  // namespace vigie::agent
