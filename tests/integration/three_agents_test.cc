// Three agents report to one vigied: every host shows up in vigiectl (hosts,
// host show, inventory) and in /metrics, with its labels on its samples.
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/integration/harness.h"

namespace vigie::itest {
namespace {

using nlohmann::json;

class ThreeAgentsTest : public VigiedFixture {
 protected:
  const std::vector<AgentSpec> specs_ = {
      {.host = "alpha", .labels = {{"env", "prod"}, {"role", "web"}}},
      {.host = "beta", .labels = {{"env", "prod"}, {"role", "db"}}},
      {.host = "gamma", .labels = {{"env", "staging"}, {"role", "web"}}},
  };
};

// True when `metrics` holds everything /metrics should say about `spec`.
bool HostFullyExported(const std::vector<PromSample>& metrics, const AgentSpec& spec) {
  LabelMap with_labels = spec.labels;
  with_labels["host"] = spec.host;
  return FindValue(metrics, "vigie_host_up", {{"host", spec.host}}) == 1.0 &&
         !FindSamples(metrics, "node_load1", with_labels).empty() &&
         !FindSamples(metrics, "node_cpu_seconds_total", with_labels).empty();
}

TEST_F(ThreeAgentsTest, EveryHostIsListedInventoriedAndExported) {
  ASSERT_NO_FATAL_FAILURE(StartVigied());
  for (const auto& spec : specs_) StartAgent(spec);

  json hosts;
  const bool all_up = WaitFor(
      [&] {
        CommandResult r = Vigiectl({"hosts", "-o", "json"});
        if (r.exit_code != 0) return false;
        hosts = json::parse(r.out, nullptr, /*allow_exceptions=*/false);
        if (!hosts.is_array() || hosts.size() != specs_.size()) return false;
        for (const auto& h : hosts) {
          if (h.value("status", "") != "up") return false;
        }
        return true;
      },
      milliseconds(20'000));
  ASSERT_TRUE(all_up) << "vigiectl hosts -o json never listed 3 hosts up; last:\n" << hosts.dump(2);
  for (size_t i = 0; i < specs_.size(); ++i) {
    EXPECT_EQ(hosts[i]["host"], specs_[i].host);  // sorted by name
    for (const auto& [k, v] : specs_[i].labels) EXPECT_EQ(hosts[i]["labels"][k], v);
  }

  std::vector<PromSample> metrics;
  const bool exported = WaitFor(
      [&] {
        metrics = Metrics();
        for (const auto& spec : specs_) {
          if (!HostFullyExported(metrics, spec)) return false;
        }
        return true;
      },
      milliseconds(20'000));
  ASSERT_TRUE(exported) << "not every host has vigie_host_up 1, node_load1 and "
                           "node_cpu_seconds_total with its labels in /metrics";
  for (const auto& spec : specs_) {
    SCOPED_TRACE(spec.host);
    auto info = FindSamples(metrics, "vigie_host_info", {{"host", spec.host}});
    ASSERT_EQ(info.size(), 1u);
    EXPECT_EQ(info[0].value, 1.0);
    EXPECT_FALSE(info[0].labels["os"].empty());
    EXPECT_FALSE(info[0].labels["kernel"].empty());
    LabelMap cpu_labels = spec.labels;
    cpu_labels["host"] = spec.host;
    cpu_labels["mode"] = "user";
    EXPECT_FALSE(FindSamples(metrics, "node_cpu_seconds_total", cpu_labels).empty());
  }

  CommandResult show = Vigiectl({"host", "show", "alpha", "-o", "json"});
  ASSERT_EQ(show.exit_code, 0) << show.err;
  json alpha = json::parse(show.out, nullptr, false);
  ASSERT_TRUE(alpha.is_object()) << show.out;
  EXPECT_EQ(alpha["name"], "alpha");
  const json& inv = alpha["inventory"];
  EXPECT_FALSE(inv.value("os_name", "").empty()) << inv.dump(2);
  EXPECT_FALSE(inv.value("kernel", "").empty()) << inv.dump(2);
  EXPECT_GT(inv.value("cpu_count", 0), 0) << inv.dump(2);

  CommandResult csv = Vigiectl({"inventory", "-o", "csv"});
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  std::vector<std::string> lines;
  for (size_t pos = 0; pos < csv.out.size();) {
    size_t end = csv.out.find('\n', pos);
    if (end == std::string::npos) end = csv.out.size();
    if (end > pos) lines.push_back(csv.out.substr(pos, end - pos));
    pos = end + 1;
  }
  ASSERT_EQ(lines.size(), 4u) << csv.out;
  EXPECT_EQ(lines[0].rfind("host,", 0), 0u) << "header: " << lines[0];
  for (size_t i = 0; i < specs_.size(); ++i) {
    EXPECT_EQ(lines[i + 1].rfind(specs_[i].host + ",", 0), 0u) << lines[i + 1];
  }
}

}  // namespace
}  // namespace vigie::itest
