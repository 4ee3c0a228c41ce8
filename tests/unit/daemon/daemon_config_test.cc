#include "daemon/config/daemon_config.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

namespace vigie::daemon {
namespace {

std::string Errors(const std::string& yaml) {
  auto cfg = ParseDaemonConfig(yaml, "vigied.yaml");
  return cfg.ok() ? "" : std::string(cfg.status().message());
}

TEST(DaemonConfigTest, EmptyFileGivesDefaults) {
  auto cfg = ParseDaemonConfig("", "vigied.yaml");
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  EXPECT_EQ(cfg->grpc_listen, "127.0.0.1:9470");
  EXPECT_EQ(cfg->http_listen, "127.0.0.1:9471");
  EXPECT_EQ(cfg->data_dir, "./vigie-data");
  EXPECT_EQ(cfg->retention, std::chrono::hours(1));
  EXPECT_EQ(cfg->stale_after_intervals, 3u);
}

TEST(DaemonConfigTest, ReadsEveryKey) {
  auto cfg = ParseDaemonConfig(R"(
listen:
  grpc: 0.0.0.0:19470
  http: 127.0.0.1:19471
storage:
  path: /var/lib/vigie
ingest:
  max_message_size: 8MiB
  max_samples_per_batch: 500
  max_series_per_host: 1000
  max_labels_per_sample: 16
  max_label_value_length: 256
  max_inflight_batches: 8
series:
  retention: 2h
hosts:
  default_interval: 30s
  stale_after_intervals: 5
log:
  level: debug
)",
                               "vigied.yaml");
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  EXPECT_EQ(cfg->grpc_listen, "0.0.0.0:19470");
  EXPECT_EQ(cfg->data_dir, "/var/lib/vigie");
  EXPECT_EQ(cfg->max_message_bytes, 8u << 20);
  EXPECT_EQ(cfg->max_samples_per_batch, 500u);
  EXPECT_EQ(cfg->max_series_per_host, 1000u);
  EXPECT_EQ(cfg->max_labels_per_sample, 16u);
  EXPECT_EQ(cfg->max_label_value_length, 256u);
  EXPECT_EQ(cfg->max_inflight_batches, 8u);
  EXPECT_EQ(cfg->retention, std::chrono::hours(2));
  EXPECT_EQ(cfg->default_interval, std::chrono::seconds(30));
  EXPECT_EQ(cfg->stale_after_intervals, 5u);
  EXPECT_EQ(cfg->log_level, "debug");
}

TEST(DaemonConfigTest, ErrorsNameFileAndLine) {
  EXPECT_EQ(Errors("listen:\n  grpc: 127.0.0.1:9470\n  htp: x\n"),
            "vigied.yaml:3: unknown key \"listen.htp\"");
  EXPECT_EQ(Errors("series:\n  retention: 1 hour\n"),
            "vigied.yaml:2: \"series.retention\": invalid duration \"1 hour\" (expected e.g. "
            "500ms, 15s, 1h30m)");
  EXPECT_EQ(Errors("listen:\n  http: 127.0.0.1:99999\n"),
            "vigied.yaml:2: \"listen.http\": listen address \"127.0.0.1:99999\" has an invalid "
            "port \"99999\"");
  EXPECT_EQ(Errors("log:\n  level: loud\n"),
            "vigied.yaml:2: \"log.level\" must be one of trace, debug, info, warn, error, off; "
            "not \"loud\"");
  EXPECT_EQ(Errors("ingest:\n  max_samples_per_batch: 0\n"),
            "vigied.yaml:2: \"ingest.max_samples_per_batch\" must be between 1 and 1000000, "
            "not 0");
  EXPECT_EQ(Errors("- a\n- b\n"),
            "vigied.yaml:1: the top level must be a mapping of keys to values");
}

TEST(DaemonConfigTest, ReportsEveryErrorAtOnce) {
  std::string e = Errors("storage: 3\nseries:\n  retention: 10s\nbogus: 1\n");
  EXPECT_NE(e.find("vigied.yaml:1: \"storage\" must be a mapping"), std::string::npos) << e;
  EXPECT_NE(e.find("vigied.yaml:3: \"series.retention\" must be at least 1m, not 10s"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("vigied.yaml:4: unknown key \"bogus\""), std::string::npos) << e;
}

TEST(DaemonConfigTest, SyntaxErrorHasLineAndColumn) {
  std::string e = Errors("listen:\n  grpc: [unclosed\n");
  EXPECT_EQ(e.rfind("vigied.yaml:", 0), 0u) << e;
  EXPECT_NE(e.find("vigied.yaml:3:1: "), std::string::npos) << e;
}

TEST(DaemonConfigTest, MissingFile) {
  auto cfg = LoadDaemonConfig("/nonexistent/vigied.yaml");
  ASSERT_FALSE(cfg.ok());
  EXPECT_NE(cfg.status().message().find("/nonexistent/vigied.yaml: cannot read"),
            absl::string_view::npos);
}

// A fresh directory, removed with its content at the end of the test.
class ScratchDir {
 public:
  ScratchDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "vigie-config-XXXXXX").string();
    path_ = mkdtemp(tmpl.data());
  }
  ~ScratchDir() { std::filesystem::remove_all(path_); }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  // Writes path()/name (creating directories) and returns the full path.
  std::string Write(const std::string& name, const std::string& content) const {
    std::filesystem::path p = std::filesystem::path(path_) / name;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p) << content;
    return p.string();
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::string OneRule(const std::string& group, const std::string& expr) {
  return "groups:\n  - name: " + group + "\n    rules:\n      - alert: A\n        expr: " + expr +
         "\n";
}

// The errors of loading `config`, "" if it loads.
std::string LoadErrors(const std::string& config) {
  auto cfg = LoadDaemonConfig(config);
  return cfg.ok() ? "" : std::string(cfg.status().message());
}

std::vector<std::string> GroupNames(const DaemonConfig& cfg) {
  std::vector<std::string> names;
  for (const auto& file : cfg.rules) {
    for (const auto& g : file.groups) names.push_back(g.name);
  }
  return names;
}

TEST(DaemonConfigTest, RuleFilesRelativeToConfigDirWithGlobs) {
  ScratchDir dir;
  dir.Write("rules/b.yml", OneRule("b", "up == 0"));
  dir.Write("rules/a.yml", OneRule("a", "vigie_host_up == 0"));
  dir.Write("extra.yml", OneRule("extra", "node_load1 > 4"));
  const std::string config = dir.Write("etc/../vigied.yaml",
                                       "evaluation_interval: 30s\n"
                                       "rule_files:\n  - rules/*.yml\n  - extra.yml\n");
  auto cfg = LoadDaemonConfig(config);
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  EXPECT_TRUE(cfg->rule_files_set);
  EXPECT_EQ(cfg->rule_files, (std::vector<std::string>{"rules/*.yml", "extra.yml"}));
  EXPECT_EQ(cfg->evaluation_interval, std::chrono::seconds(30));
  EXPECT_EQ(GroupNames(*cfg), (std::vector<std::string>{"a", "b", "extra"}));
  ASSERT_EQ(cfg->rules.size(), 3u);
  EXPECT_EQ(cfg->rules[0].path, dir.path() + "/etc/../rules/a.yml");
  // Groups without `interval:` take evaluation_interval.
  EXPECT_EQ(cfg->rules[0].groups[0].interval, std::chrono::seconds(30));
}

TEST(DaemonConfigTest, BadRuleFileReportsRuleFileLineAndColumn) {
  ScratchDir dir;
  const std::string rules = dir.Write("bad.yml", OneRule("g", "rate(node_load1) > 1"));
  const std::string config = dir.Write("vigied.yaml", "rule_files: [bad.yml]\n");
  const std::string e = LoadErrors(config);
  // `expr:` is on line 5, its text starts at column 15; rate's argument is at column 6 of it.
  EXPECT_EQ(e.rfind(rules + ":5:20: ", 0), 0u) << e;
  EXPECT_NE(e.find("range vector"), std::string::npos) << e;
}

TEST(DaemonConfigTest, MissingRuleFileReportedAtConfigLine) {
  ScratchDir dir;
  const std::string config =
      dir.Write("vigied.yaml", "log:\n  level: info\nrule_files:\n  - nowhere.yml\n");
  const std::string e = LoadErrors(config);
  EXPECT_EQ(e.rfind(config + ":4: ", 0), 0u) << e;
  EXPECT_NE(e.find("nowhere.yml"), std::string::npos) << e;
}

TEST(DaemonConfigTest, RuleFilesMustBeAList) {
  EXPECT_NE(Errors("rule_files: 3\n").find("vigied.yaml:1: \"rule_files\" must be a list"),
            std::string::npos);
  EXPECT_NE(Errors("evaluation_interval: 10ms\n").find("vigied.yaml:1: "), std::string::npos);
}

TEST(DaemonConfigTest, DefaultsIncludeDefaultRules) {
  const std::vector<std::string> kAlerts = {
      "HostDown",           "ClockSkew",      "CollectorFailing", "FilesystemAlmostFull",
      "FilesystemFullIn4h", "MemoryPressure", "HighLoad",         "NetworkErrors"};
  auto alerts = [](const DaemonConfig& cfg) {
    std::vector<std::string> names;
    for (const auto& file : cfg.rules) {
      for (const auto& g : file.groups) {
        for (const auto& r : g.rules) names.push_back(r.name);
      }
    }
    return names;
  };
  // No config at all (vigied without --config).
  EXPECT_EQ(alerts(DaemonConfig{}), kAlerts);
  EXPECT_EQ(DaemonConfig{}.evaluation_interval, std::chrono::seconds(15));
  // An empty config file.
  auto empty = ParseDaemonConfig("", "vigied.yaml");
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_FALSE(empty->rule_files_set);
  EXPECT_EQ(alerts(*empty), kAlerts);
  // A config without `rule_files:`.
  auto cfg = ParseDaemonConfig("evaluation_interval: 1m\n", "vigied.yaml");
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  EXPECT_FALSE(cfg->rule_files_set);
  EXPECT_EQ(alerts(*cfg), kAlerts);
  EXPECT_EQ(cfg->rules[0].groups[0].interval, std::chrono::minutes(1));
  // `rule_files: []`: none.
  cfg = ParseDaemonConfig("rule_files: []\n", "vigied.yaml");
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  EXPECT_TRUE(cfg->rules.empty());
}

// A full pipeline configuration; line numbers matter to the tests below.
constexpr const char* kPipelineConfig = R"(listen:
  http: 127.0.0.1:19471
route:
  receiver: ops
  group_by: [alertname, host]
  group_wait: 10s
  routes:
    - matchers: ['severity="critical"']
      receiver: pager
      continue: true
    - matchers: ['team="db"']
      receiver: db
receivers:
  - name: ops
    email_configs:
      - to: oncall@example.com
        from: vigie@example.com
        smarthost: smtp://127.0.0.1:2525
        require_tls: false
        subject: "[{{statusUpper}}] {{title}}"
  - name: pager
    webhook_configs:
      - url: http://127.0.0.1:9999/hook
  - name: db
inhibit_rules:
  - source_matchers: ['alertname="HostDown"']
    target_matchers: ['alertname!="HostDown"']
    equal: [host]
  - source_matchers: ['severity="critical"']
    target_matchers: ['severity="warning"']
    equal: [alertname, host]
maintenance_windows:
  - name: sunday-patching
    matchers: ['env="prod"']
    time_zone: Europe/Paris
    schedule: {every: sunday, at: "02:00", duration: 2h}
notifications:
  retry_initial_backoff: 2s
  retry_max_backoff: 30s
  give_up_after: 15m
  log_retention: 7d
)";

TEST(DaemonConfigPipelineTest, FullConfigParses) {
  auto cfg = ParseDaemonConfig(kPipelineConfig, "vigied.yaml");
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  const PipelineConfig& p = cfg->pipeline;
  ASSERT_NE(p.route, nullptr);
  EXPECT_EQ(p.route->options().receiver, "ops");
  EXPECT_EQ(p.route->options().group_wait, std::chrono::seconds(10));
  EXPECT_EQ(p.route->children().size(), 2u);
  ASSERT_EQ(p.receivers.size(), 3u);
  EXPECT_EQ(p.receivers[0].name, "ops");
  EXPECT_EQ(p.receivers[1].name, "pager");
  EXPECT_EQ(p.receivers[2].name, "db");
  EXPECT_EQ(p.inhibit_rules.size(), 2u);
  ASSERT_EQ(p.maintenance_windows.size(), 1u);
  EXPECT_EQ(p.retry.backoff.initial, std::chrono::seconds(2));
  EXPECT_EQ(p.retry.backoff.max, std::chrono::seconds(30));
  EXPECT_EQ(p.retry.max_elapsed, std::chrono::minutes(15));
  EXPECT_EQ(p.log_retention, std::chrono::hours(24 * 7));

  // external_url defaults to "http://" + listen.http.
  EXPECT_EQ(cfg->external_url, "");
  EXPECT_EQ(MakePipelineConfig(*cfg).external_url, "http://127.0.0.1:19471");
  EXPECT_EQ(MakePipelineConfig(*cfg).receivers.size(), 3u);
  auto with_url = ParseDaemonConfig(
      std::string(kPipelineConfig) + "external_url: https://vigie.example.com\n", "vigied.yaml");
  ASSERT_TRUE(with_url.ok()) << with_url.status();
  EXPECT_EQ(MakePipelineConfig(*with_url).external_url, "https://vigie.example.com");
}

TEST(DaemonConfigPipelineTest, WithoutPipelineNothingIsNotified) {
  auto cfg = ParseDaemonConfig("", "vigied.yaml");
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  EXPECT_EQ(cfg->pipeline.route, nullptr);
  EXPECT_TRUE(cfg->pipeline.receivers.empty());
  EXPECT_EQ(MakePipelineConfig(*cfg).external_url, "http://127.0.0.1:9471");
}

TEST(DaemonConfigPipelineTest, RetryMaxBackoffIsAtLeastTheInitialOne) {
  auto cfg = ParseDaemonConfig(
      "notifications:\n  retry_initial_backoff: 20s\n  retry_max_backoff: 5s\n", "vigied.yaml");
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  EXPECT_EQ(cfg->pipeline.retry.backoff.initial, std::chrono::seconds(20));
  EXPECT_EQ(cfg->pipeline.retry.backoff.max, std::chrono::seconds(20));
}

// kPipelineConfig with the line `from` (1-based, whole line) replaced by `to`.
std::string ReplaceLine(int line, const std::string& from, const std::string& to) {
  std::string text = kPipelineConfig;
  size_t pos = 0;
  for (int i = 1; i < line; ++i) pos = text.find('\n', pos) + 1;
  const size_t end = text.find('\n', pos);
  EXPECT_EQ(text.substr(pos, end - pos), from) << "line " << line;
  return text.replace(pos, end - pos, to);
}

TEST(DaemonConfigPipelineTest, RouteNamingAnUnknownReceiver) {
  const std::string e = Errors(ReplaceLine(12, "      receiver: db", "      receiver: dba"));
  EXPECT_NE(e.find("vigied.yaml:12: "), std::string::npos) << e;
  EXPECT_NE(e.find("unknown receiver \"dba\""), std::string::npos) << e;
  EXPECT_EQ(e.find('\n'), std::string::npos) << "one error only: " << e;
}

TEST(DaemonConfigPipelineTest, ReceiversWithoutRoute) {
  const std::string e = Errors(
      "log:\n  level: info\nreceivers:\n  - name: ops\n    webhook_configs:\n"
      "      - url: http://127.0.0.1:9/x\n");
  EXPECT_EQ(e.rfind("vigied.yaml:4: ", 0), 0u) << e;
  EXPECT_NE(e.find("there is no \"route\""), std::string::npos) << e;
  EXPECT_NE(e.find("route: {receiver: ops}"), std::string::npos) << e;
}

TEST(DaemonConfigPipelineTest, BadTemplateInEmailSubject) {
  const std::string e = Errors(ReplaceLine(20, "        subject: \"[{{statusUpper}}] {{title}}\"",
                                           "        subject: \"[{{#alerts}}] {{title}}\""));
  EXPECT_EQ(e.rfind("vigied.yaml:20: ", 0), 0u) << e;
  EXPECT_NE(e.find("subject"), std::string::npos) << e;
  EXPECT_EQ(e.find("unknown receiver"), std::string::npos)
      << "a receiver with errors is not also reported as unknown: " << e;
}

TEST(DaemonConfigPipelineTest, UnknownKeyUnderNotifications) {
  const std::string e =
      Errors(ReplaceLine(40, "  give_up_after: 15m", "  give_up_after: 15m\n  retries: 3"));
  EXPECT_EQ(e, "vigied.yaml:41: unknown key \"notifications.retries\"");
}

TEST(DaemonConfigPipelineTest, MaintenanceWindowWithBadTimeZone) {
  const std::string e =
      Errors(ReplaceLine(35, "    time_zone: Europe/Paris", "    time_zone: Europe/Atlantis"));
  EXPECT_EQ(e.rfind("vigied.yaml:35: ", 0), 0u) << e;
  EXPECT_NE(e.find("unknown time zone \"Europe/Atlantis\""), std::string::npos) << e;
}

TEST(DaemonConfigPipelineTest, SeveralPipelineErrorsAtOnce) {
  std::string text = ReplaceLine(9, "      receiver: pager", "      receiver: nobody");
  text += "external_url: [1]\n";
  const std::string e = Errors(text);
  EXPECT_NE(e.find("vigied.yaml:9: "), std::string::npos) << e;
  EXPECT_NE(e.find("unknown receiver \"nobody\""), std::string::npos) << e;
  EXPECT_NE(e.find("vigied.yaml:42: "), std::string::npos) << e;
}

}  // namespace
}  // namespace vigie::daemon
