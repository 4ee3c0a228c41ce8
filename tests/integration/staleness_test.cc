// A host whose agent dies stops being "up" once it has been silent for
// stale_after_intervals intervals; the other hosts are not affected.
#include <csignal>

#include "gtest/gtest.h"
#include "tests/integration/harness.h"

namespace vigie::itest {
namespace {

constexpr milliseconds kInterval(300);
constexpr int kStaleAfterIntervals = 3;

class StalenessTest : public VigiedFixture {};

TEST_F(StalenessTest, KilledAgentGoesDownWithinStaleWindow) {
  WriteDaemonConfig(kStaleAfterIntervals);
  ASSERT_NO_FATAL_FAILURE(StartVigied());
  for (const char* host : {"alpha", "beta", "gamma"}) {
    StartAgent({.host = host, .labels = {{"env", "prod"}}, .interval = kInterval});
  }
  auto up = [&](const char* host) { return Metric("vigie_host_up", {{"host", host}}); };
  ASSERT_TRUE(WaitFor([&] { return up("alpha") == 1.0 && up("beta") == 1.0 && up("gamma") == 1.0; },
                      milliseconds(20'000)))
      << "the three hosts never were up together";

  ASSERT_EQ(up("beta"), 1.0) << "beta must be up right before the kill";
  agent("beta").Signal(SIGKILL);
  ASSERT_TRUE(agent("beta").Wait(milliseconds(5000)).has_value());

  // The staleness rule: down after 3 silent intervals (900 ms). The 2 s slack
  // covers polling, scheduling on a loaded machine and the last report's age;
  // this checks the rule, it is not a speed test.
  const milliseconds stale_window = kStaleAfterIntervals * kInterval;
  EXPECT_TRUE(WaitFor([&] { return up("beta") == 0.0; }, stale_window + milliseconds(2000),
                      milliseconds(50)))
      << "beta still not down " << (stale_window + milliseconds(2000)).count()
      << " ms after its agent was killed";
  EXPECT_EQ(up("alpha"), 1.0);
  EXPECT_EQ(up("gamma"), 1.0);
  EXPECT_TRUE(WaitFor(
      [&] {
        return Metric("vigie_host_connected", {{"host", "beta"}}) == 0.0;
      },
      milliseconds(5000)))
      << "beta's stream is still counted as connected";
}

}  // namespace
}  // namespace vigie::itest
