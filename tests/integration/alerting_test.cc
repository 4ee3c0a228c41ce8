// Rules run inside vigied on the live state: an alert fires when the data
// that justifies it arrives, carries the host's labels, and a host whose agent
// dies fires a rule on the derived vigie_host_up series.
#include <csignal>

#include "gtest/gtest.h"
#include "tests/integration/harness.h"

namespace vigie::itest {
namespace {

constexpr milliseconds kInterval(300);

constexpr char kRules[] = R"(groups:
  - name: test
    interval: 1m
    rules:
      - alert: LoadSeen
        expr: node_load1 >= 0
        labels:
          severity: info
        annotations:
          summary: "load on {{ $labels.host }} is {{ $value }}"
      - alert: Down
        expr: vigie_host_up == 0
        labels:
          severity: critical
)";

class AlertingTest : public VigiedFixture {
 protected:
  void SetUp() override {
    tmp_.WriteFile("rules.yml", kRules);
    WriteDaemonConfig(3, "rule_files:\n  - rules.yml\n");
    ASSERT_NO_FATAL_FAILURE(StartVigied());
  }

  std::optional<double> Alert(const std::string& name, const std::string& host,
                              const std::string& state = "firing") const {
    return Metric("ALERTS", {{"alertname", name}, {"host", host}, {"alertstate", state}});
  }
};

TEST_F(AlertingTest, RuleFiresOnArrivingDataWithHostLabels) {
  StartAgent({.host = "alpha", .labels = {{"team", "dba"}}, .interval = kInterval});
  // The group's timer runs every minute; the alert must come from the
  // evaluation that the agent's batch triggers, well before that.
  ASSERT_TRUE(WaitFor([&] { return Alert("LoadSeen", "alpha") == 1.0; }, milliseconds(15'000)))
      << "ALERTS{alertname=\"LoadSeen\",host=\"alpha\"} never fired";
  EXPECT_EQ(Metric("ALERTS", {{"alertname", "LoadSeen"}, {"team", "dba"}}), 1.0)
      << "the alert lost the host's labels";
  EXPECT_EQ(Metric("vigie_alerts", {{"alertname", "LoadSeen"}, {"state", "firing"}}), 1.0);
  EXPECT_GE(Metric("vigie_alert_transitions_total", {{"type", "firing"}}).value_or(0), 1.0);
  EXPECT_FALSE(Alert("Down", "alpha").has_value()) << "a healthy host must not be down";
}

TEST_F(AlertingTest, DeadAgentFiresDownRule) {
  StartAgent({.host = "alpha", .interval = kInterval});
  StartAgent({.host = "beta", .interval = kInterval});
  ASSERT_TRUE(WaitFor([&] { return Alert("LoadSeen", "beta") == 1.0; }, milliseconds(15'000)));
  agent("beta").Signal(SIGKILL);
  // beta is down after 3 silent intervals; the next batch from alpha triggers
  // an evaluation of the Down rule, which reads every host.
  EXPECT_TRUE(WaitFor([&] { return Alert("Down", "beta") == 1.0; }, milliseconds(15'000)))
      << "ALERTS{alertname=\"Down\",host=\"beta\"} never fired";
  EXPECT_FALSE(Alert("Down", "alpha").has_value());
  // Samples of a down host are no longer exposed, so its LoadSeen resolves.
  EXPECT_TRUE(
      WaitFor([&] { return !Alert("LoadSeen", "beta").has_value(); }, milliseconds(15'000)));
}

}  // namespace
}  // namespace vigie::itest
