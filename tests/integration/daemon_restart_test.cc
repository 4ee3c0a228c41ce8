// vigied restarts while agents keep collecting: hosts come back from SQLite,
// agents reconnect and resend what was not acknowledged, and the per-round
// series has neither duplicates nor holes across the outage.
#include <csignal>
#include <thread>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/integration/harness.h"
#include "tests/integration/raw_ingest_client.h"

namespace vigie::itest {
namespace {

using nlohmann::json;

constexpr milliseconds kInterval(300);
constexpr milliseconds kOutage(2000);

class DaemonRestartTest : public VigiedFixture {
 protected:
  // vigiectl hosts -o json, or null when it fails.
  json Hosts() const {
    CommandResult r = Vigiectl({"hosts", "-o", "json"});
    return r.exit_code == 0 ? json::parse(r.out, nullptr, false) : json();
  }

  // The timestamps of host's node_load1 points (one sample per round).
  std::vector<int64_t> RoundTimestamps(const std::string& host) const {
    CommandResult r = Vigiectl({"series", "--host", host, "--metric", "node_load1", "-o", "json"});
    std::vector<int64_t> out;
    json series = json::parse(r.out, nullptr, false);
    if (r.exit_code != 0 || !series.is_array() || series.size() != 1) return out;
    for (const auto& p : series[0]["points"]) out.push_back(p[0].get<int64_t>());
    return out;
  }
};

TEST_F(DaemonRestartTest, AgentsResendBufferedBatchesAfterRestart) {
  const std::vector<std::string> hosts = {"alpha", "beta"};
  ASSERT_NO_FATAL_FAILURE(StartVigied());
  for (const auto& h : hosts)
    StartAgent({.host = h, .labels = {{"env", "prod"}}, .interval = kInterval});
  ASSERT_TRUE(WaitFor(
      [&] {
        return Metric("vigie_host_connected", {{"host", "alpha"}}) == 1.0 &&
               Metric("vigie_host_connected", {{"host", "beta"}}) == 1.0 &&
               RoundTimestamps("alpha").size() >= 3 && RoundTimestamps("beta").size() >= 3;
      },
      milliseconds(20'000)))
      << "agents never streamed";

  ASSERT_EQ(StopVigied(), 0) << "vigied did not exit cleanly on SIGTERM";
  const int64_t down_ms = NowMs();
  // The outage itself: agents keep collecting and buffer their batches.
  std::this_thread::sleep_for(kOutage);
  const int64_t restart_ms = NowMs();
  ASSERT_NO_FATAL_FAILURE(StartVigied());

  // Straight after /readyz, before any agent has said Hello again: the hosts
  // and their inventory come from the store.
  json listed = Hosts();
  ASSERT_TRUE(listed.is_array()) << "vigiectl hosts failed after restart";
  ASSERT_EQ(listed.size(), hosts.size()) << listed.dump(2);
  for (size_t i = 0; i < hosts.size(); ++i) {
    EXPECT_EQ(listed[i]["host"], hosts[i]);
    EXPECT_FALSE(listed[i].value("os", "").empty()) << "inventory not restored: " << listed[i];
  }

  ASSERT_TRUE(WaitFor(
      [&] {
        json h = Hosts();
        return h.is_array() && h.size() == 2 && h[0].value("connected", false) &&
               h[1].value("connected", false);
      },
      milliseconds(20'000)))
      << "agents did not reconnect";

  for (const auto& host : hosts) {
    SCOPED_TRACE(host);
    std::vector<int64_t> ts;
    // Wait until the backlog has been resent and live rounds follow it.
    ASSERT_TRUE(WaitFor(
        [&] {
          ts = RoundTimestamps(host);
          return !ts.empty() && ts.back() > restart_ms + 3 * kInterval.count();
        },
        milliseconds(20'000)));
    int in_outage = 0;
    for (size_t i = 0; i < ts.size(); ++i) {
      if (ts[i] > down_ms && ts[i] < restart_ms) ++in_outage;
      if (i == 0) continue;
      EXPECT_GT(ts[i], ts[i - 1]) << "timestamps not strictly increasing at " << i;
      EXPECT_LE(ts[i] - ts[i - 1], 2 * kInterval.count())
          << "gap between rounds at " << ts[i - 1] << " -> " << ts[i];
    }
    // Raw samples live in memory, so the series restarts with the first batch
    // vigied had not applied: it must reach back to the moment vigied went down.
    EXPECT_LE(ts.front(), down_ms + 2 * kInterval.count())
        << "rounds between vigied's exit and the first point were lost";
    EXPECT_GE(in_outage, static_cast<int>(kOutage / kInterval) - 2)
        << "too few rounds from the outage window arrived";
  }
  auto applied = Metric("vigie_ingest_batches_total", {{"outcome", "applied"}});
  ASSERT_TRUE(applied.has_value());
  EXPECT_GT(*applied, 0.0);
}

}  // namespace
}  // namespace vigie::itest
