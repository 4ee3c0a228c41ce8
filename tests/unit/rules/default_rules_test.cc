// The default rule set (deploy/rules/default.yml): loads with Vigie's parser, is what vigied
// embeds, is accepted by the real promtool (`check rules`, and `test rules` on
// tests/rules/default_rules_test.yaml), and every rule is documented with a runbook.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "daemon/config/daemon_config.h"
#include "daemon/rules/promql/promql.h"
#include "daemon/rules/rule_file.h"
#include "daemon/state/state.h"
#include "daemon/state/state_queryable.h"
#include "tests/testing/test_env.h"
#include "vigie/v1/ingest.pb.h"

namespace vigie::daemon::rules {
namespace {

constexpr const char* kPromtool = "/usr/bin/promtool";
const std::string kRules = std::string(VIGIE_SOURCE_DIR) + "/deploy/rules/default.yml";
const std::string kPromtoolTests =
    std::string(VIGIE_SOURCE_DIR) + "/tests/rules/default_rules_test.yaml";

std::string ReadDoc(const std::string& relative) {
  std::ifstream in(std::string(VIGIE_SOURCE_DIR) + "/" + relative);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

absl::StatusOr<RuleFile> LoadDefaultRules() {
  RuleFileOptions options;
  options.parse_expr = [](std::string_view e) { return promql::ParseExpr(e).status(); };
  return LoadRuleFile(kRules, options);
}

// Runs promtool with `args`; fails the test (with how to install it) if it is missing.
void ExpectPromtoolPasses(const std::vector<std::string>& args) {
  ASSERT_EQ(access(kPromtool, X_OK), 0) << kPromtool << " is missing: apt-get install prometheus";
  std::vector<std::string> argv = {kPromtool};
  argv.insert(argv.end(), args.begin(), args.end());
  test_env::CommandResult r = test_env::RunCommand(argv, std::chrono::seconds(60));
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
}

TEST(DefaultRulesTest, LoadWithVigieParser) {
  auto file = LoadDefaultRules();
  ASSERT_TRUE(file.ok()) << file.status();
  std::set<std::string> alerts;
  for (const RuleGroup& g : file->groups) {
    for (const AlertRuleConfig& r : g.rules) alerts.insert(r.name);
  }
  EXPECT_EQ(alerts, (std::set<std::string>{"ClockSkew", "CollectorFailing", "FilesystemAlmostFull",
                                           "FilesystemFullIn4h", "HighLoad", "HostDown",
                                           "MemoryPressure", "NetworkErrors"}));
}

TEST(DefaultRulesTest, EveryRuleHasSeverityAnnotationsAndDocs) {
  auto file = LoadDefaultRules();
  ASSERT_TRUE(file.ok()) << file.status();
  const std::string runbooks = ReadDoc("docs/runbooks.md");
  const std::string rules_doc = ReadDoc("docs/rules.md");
  for (const RuleGroup& g : file->groups) {
    for (const AlertRuleConfig& r : g.rules) {
      SCOPED_TRACE(r.name);
      auto severity = r.labels.find("severity");
      ASSERT_NE(severity, r.labels.end());
      EXPECT_TRUE(severity->second == "critical" || severity->second == "warning");
      for (const char* key : {"summary", "description", "runbook_url"}) {
        EXPECT_TRUE(r.annotations.count(key)) << key;
      }
      std::string anchor = r.name;
      std::transform(anchor.begin(), anchor.end(), anchor.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      EXPECT_EQ(r.annotations.at("runbook_url"), "docs/runbooks.md#" + anchor);
      // GitHub's anchor of the heading "## HostDown" is #hostdown.
      EXPECT_NE(runbooks.find("\n## " + r.name + "\n"), std::string::npos);
      EXPECT_NE(rules_doc.find("\n### " + r.name + "\n"), std::string::npos);
    }
  }
}

// Hosts reporting what the default rules read, through vigied's State: "ok" is healthy,
// "bad" breaks every resource rule, "gone" stops reporting.
class DefaultRulesOverStateTest : public ::testing::Test {
 protected:
  static constexpr int64_t kIntervalMs = 15'000;

  DefaultRulesOverStateTest() : state_(clock_, StateOptions{}), queryable_(state_) {
    for (const char* host : {"ok", "bad", "gone"}) {
      vigie::v1::HelloRequest h;
      h.set_host(host);
      h.set_interval_ms(kIntervalMs);
      state_.Hello(h);
    }
  }

  struct Sample {
    std::string name;
    Labels labels;
    double value;
  };

  void Report(const std::string& host, uint64_t seq, const std::vector<Sample>& samples) {
    vigie::v1::Batch b;
    b.set_seq(seq);
    for (const Sample& s : samples) {
      auto* out = b.add_samples();
      out->set_name(s.name);
      for (const Label& l : s.labels) {
        auto* label = out->add_labels();
        label->set_name(l.name);
        label->set_value(l.value);
      }
      out->set_value(s.value);
      out->set_timestamp_ms(clock_.NowMillis());
    }
    ASSERT_EQ(state_.Apply(host, b).samples_applied, samples.size());
  }

  // Round `i` of a host; `bad` picks the broken values.
  std::vector<Sample> Round(int i, bool bad) {
    const double now_s = static_cast<double>(clock_.NowMillis()) / 1000.0;
    const Labels root = {{"device", "/dev/sda1"}, {"fstype", "ext4"}, {"mountpoint", "/"}};
    const Labels data = {{"device", "/dev/sdb1"}, {"fstype", "xfs"}, {"mountpoint", "/data"}};
    const Labels ro = {{"device", "/dev/sr0"}, {"fstype", "iso9660"}, {"mountpoint", "/mnt"}};
    std::vector<Sample> out = {
        {"node_filesystem_avail_bytes", root, bad ? 5.0 : 50.0},
        {"node_filesystem_size_bytes", root, 100},
        {"node_filesystem_readonly", root, 0},
        // 85 % used and losing 1 byte per 15 s round: empty well within 4 hours when bad.
        {"node_filesystem_avail_bytes", data, bad ? 150.0 - i : 500.0},
        {"node_filesystem_size_bytes", data, 1000},
        {"node_filesystem_readonly", data, 0},
        {"node_filesystem_avail_bytes", ro, 1},  // full, but read-only
        {"node_filesystem_size_bytes", ro, 100},
        {"node_filesystem_readonly", ro, 1},
        {"node_load5", {}, bad ? 5.0 : 0.5},
        {"node_memory_mem_available_bytes", {}, bad ? 5.0 : 50.0},
        {"node_memory_mem_total_bytes", {}, 100},
        {"node_network_receive_errs_total", {{"device", "eth0"}}, bad ? 20.0 * i : 0.0},
        {"node_network_transmit_errs_total", {{"device", "eth0"}}, bad ? 10.0 * i : 0.0},
        {"vigie_agent_collector_success", {{"collector", "cpu"}}, 1},
        {"vigie_agent_collector_success", {{"collector", "diskstats"}}, bad ? 0.0 : 1.0},
        {"node_time_seconds", {}, bad ? now_s - 60 : now_s},
    };
    for (const char* cpu : {"0", "1"}) {
      out.push_back({"node_cpu_seconds_total", {{"cpu", cpu}, {"mode", "idle"}}, 15.0 * i});
      out.push_back({"node_cpu_seconds_total", {{"cpu", cpu}, {"mode", "user"}}, 1.0 * i});
    }
    return out;
  }

  FakeClock clock_;
  State state_;
  StateQueryable queryable_;
};

TEST_F(DefaultRulesOverStateTest, EachRuleFindsTheBrokenHost) {
  for (int i = 0; i < 40; ++i) {  // 10 minutes
    clock_.Advance(std::chrono::milliseconds(kIntervalMs));
    Report("ok", i + 1, Round(i, false));
    Report("bad", i + 1, Round(i, true));
    if (i < 20) Report("gone", i + 1, Round(i, false));
  }
  auto file = LoadDefaultRules();
  ASSERT_TRUE(file.ok()) << file.status();
  std::map<std::string, std::vector<std::string>> found;  // alert -> "host mountpoint"
  for (const RuleGroup& g : file->groups) {
    for (const AlertRuleConfig& r : g.rules) {
      auto expr = promql::ParseExpr(r.expr);
      ASSERT_TRUE(expr.ok()) << r.name << ": " << expr.status();
      auto v = promql::EvalInstant(**expr, clock_.NowMillis(), queryable_);
      ASSERT_TRUE(v.ok()) << r.name << ": " << v.status();
      ASSERT_EQ(v->kind, promql::Value::kVector) << r.name;
      for (const promql::Sample& s : v->vector) {
        std::string what;
        for (const Label& l : s.metric) {
          if (l.name == "host" || l.name == "mountpoint")
            what += (what.empty() ? "" : " ") + l.value;
        }
        found[r.name].push_back(what);
      }
    }
  }
  using V = std::vector<std::string>;
  EXPECT_EQ(found["HostDown"], V{"gone"});
  EXPECT_EQ(found["ClockSkew"], V{"bad"});
  EXPECT_EQ(found["CollectorFailing"], V{"bad"});
  EXPECT_EQ(found["FilesystemAlmostFull"], V{"bad /"});
  EXPECT_EQ(found["FilesystemFullIn4h"], V{"bad /data"});
  EXPECT_EQ(found["MemoryPressure"], V{"bad"});
  EXPECT_EQ(found["HighLoad"], V{"bad"});
  EXPECT_EQ(found["NetworkErrors"], V{"bad"});
}

TEST(DefaultRulesTest, EmbeddedTextIsTheFile) {
  EXPECT_EQ(DefaultRulesText(), ReadDoc("deploy/rules/default.yml"));
}

TEST(DefaultRulesTest, PromtoolCheckRules) { ExpectPromtoolPasses({"check", "rules", kRules}); }

TEST(DefaultRulesTest, PromtoolTestRules) {
  ExpectPromtoolPasses({"test", "rules", kPromtoolTests});
}

}  // namespace
}  // namespace vigie::daemon::rules
