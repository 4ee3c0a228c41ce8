// `vigie-agent once --json` collects one round and prints it; a collector that
// fails (missing /proc) is reported as failed and does not stop the others.
#include <string>
#include <vector>

#include "common/strings.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/integration/harness.h"

namespace vigie::itest {
namespace {

using nlohmann::json;

// The samples of `batch` named `name` whose labels include `label`=`value`.
std::vector<json> SamplesOf(const json& batch, const std::string& name,
                            const std::string& label = "", const std::string& value = "") {
  std::vector<json> out;
  for (const auto& s : batch["samples"]) {
    if (s.value("name", "") != name) continue;
    bool match = label.empty();
    for (const auto& l : s.value("labels", json::array())) {
      match = match || (l.value("name", "") == label && l.value("value", "") == value);
    }
    if (match) out.push_back(s);
  }
  return out;
}

class OnceTest : public ::testing::Test {
 protected:
  // Runs `vigie-agent [--config file] once --json` and parses stdout.
  json Once(const std::string& config) {
    std::vector<std::string> argv = {AgentBinary()};
    if (!config.empty()) argv.insert(argv.end(), {"--config", config});
    argv.insert(argv.end(), {"once", "--json"});
    CommandResult r = RunCommand(argv);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    json out = json::parse(r.out, nullptr, false);
    EXPECT_TRUE(out.is_object()) << "not JSON:\n" << r.out;
    return out.is_object() ? out : json::object();
  }

  TempDir tmp_;
};

TEST_F(OnceTest, PrintsInventoryAndOneRound) {
  json out = Once("");
  EXPECT_FALSE(out["inventory"].value("hostname", "").empty()) << out["inventory"].dump(2);
  ASSERT_TRUE(out["batch"]["samples"].is_array());
  EXPECT_EQ(SamplesOf(out["batch"], "node_load1").size(), 1u);
  auto cpu_ok = SamplesOf(out["batch"], "vigie_agent_collector_success", "collector", "cpu");
  ASSERT_EQ(cpu_ok.size(), 1u);
  EXPECT_EQ(cpu_ok[0].value("value", 0.0), 1.0);
}

TEST_F(OnceTest, FailingCollectorDoesNotStopTheOthers) {
  const std::string config =
      tmp_.WriteFile("agent.yaml", StrCat("paths:\n  proc: ", tmp_.Path("no-such-proc"), "\n"));
  json out = Once(config);
  const json& batch = out["batch"];
  auto cpu_ok = SamplesOf(batch, "vigie_agent_collector_success", "collector", "cpu");
  ASSERT_EQ(cpu_ok.size(), 1u) << batch.dump(2);
  // proto3 JSON leaves out a zero value.
  EXPECT_EQ(cpu_ok[0].value("value", 0.0), 0.0);
  // Every other collector still ran and reported its own outcome.
  for (const char* collector :
       {"meminfo", "loadavg", "filesystem", "diskstats", "netdev", "uptime", "processes"}) {
    EXPECT_EQ(SamplesOf(batch, "vigie_agent_collector_success", "collector", collector).size(), 1u)
        << collector;
  }
  EXPECT_TRUE(SamplesOf(batch, "node_load1").empty());
}

}  // namespace
}  // namespace vigie::itest
