// vigied's configuration: every key, its default and its check. The YAML
// reference is docs/configuration.md; keep the two in step.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "common/config.h"
#include "daemon/alerting/notification_pipeline.h"
#include "daemon/oncall/schedule.h"
#include "daemon/rules/rule_file.h"

namespace vigie::daemon {

// The text of deploy/rules/default.yml, embedded at build time (default_rules.cc.in).
std::string_view DefaultRulesText();

// The default rule set parsed with the real expression parser, groups defaulting to
// `evaluation_interval`. Parsed once per interval value and cached; thread-safe. Empty if the
// embedded text were invalid, which tests/unit/rules/default_rules_test.cc rules out.
std::vector<rules::RuleFile> DefaultRuleFiles(
    std::chrono::milliseconds evaluation_interval = std::chrono::seconds(15));

struct DaemonConfig {
  std::string grpc_listen = "127.0.0.1:9470";
  std::string http_listen = "127.0.0.1:9471";
  std::string data_dir = "./vigie-data";

  uint64_t max_message_bytes = 4 << 20;
  uint64_t max_samples_per_batch = 20'000;
  uint64_t max_series_per_host = 20'000;
  uint64_t max_labels_per_sample = 32;
  uint64_t max_label_value_length = 1024;
  uint64_t max_inflight_batches = 64;

  std::chrono::milliseconds retention{std::chrono::hours(1)};
  std::chrono::milliseconds default_interval{std::chrono::seconds(15)};
  uint64_t stale_after_intervals = 3;

  std::string log_level = "info";

  // How often rule groups without their own `interval:` are evaluated. 15s, not
  // Prometheus' 1m: agents report every 15s by default, so a condition is seen on the
  // batch that shows it rather than up to a minute later, and `for:` durations are
  // measured in steps of one report.
  std::chrono::milliseconds evaluation_interval{std::chrono::seconds(15)};
  // `rule_files:` as written: globs, relative to the config file's directory.
  std::vector<std::string> rule_files;
  // Whether the config had a `rule_files:` key. Without one, `rules` is the embedded
  // default rule set; `rule_files: []` means no rules at all.
  bool rule_files_set = false;
  // The rule files, loaded and validated with the PromQL parser at config load.
  std::vector<rules::RuleFile> rules = DefaultRuleFiles();

  // Where links in notifications point (`external_url:`); default
  // "http://" + http_listen.
  std::string external_url;
  // `route:`, `receivers:`, `inhibit_rules:`, `maintenance_windows:` and
  // `notifications:` (retries, log retention), validated at load (receivers'
  // templates compiled, secrets read). Without `route:` nothing is notified.
  PipelineConfig pipeline;
  // `oncall:` (users, teams, schedules, holidays, escalation policies); the
  // schedules also serve /oncall/<name>.ics and `vigiectl oncall`.
  std::shared_ptr<const oncall::OnCallConfig> oncall = std::make_shared<oncall::OnCallConfig>();
  // `acknowledgement:`: the key of the signed links ("" = <storage.path>/ack.key)
  // and how long a link stays valid.
  std::string ack_key_file;
  // `incidents.causes`: the cause taxonomy an incident is resolved with.
  std::vector<std::string> causes = {"hardware", "software", "network",  "capacity", "human-error",
                                     "change",   "provider", "security", "backup",   "unknown"};

  // The file this configuration was read from ("" for embedded defaults);
  // SIGHUP and `vigiectl reload` re-read it.
  std::string config_file;
};

// The pipeline part of `config` with external_url filled in.
PipelineConfig MakePipelineConfig(const DaemonConfig& config);

// Parses `text` (the content of `file`, named in errors). Every problem is
// reported as "file:line: message"; the returned status holds them all. Then loads
// the rule files (relative paths against `file`'s directory) and reports their
// errors as "rulefile:line[:col]: message"; a `rule_files:` entry naming no file is
// reported at the config's line.
absl::StatusOr<DaemonConfig> ParseDaemonConfig(const std::string& text, const std::string& file);
absl::StatusOr<DaemonConfig> LoadDaemonConfig(const std::string& file);

// Splits "host:port" / "[v6]:port"; checks the port. Used for listen addresses.
absl::Status ValidateListenAddress(const std::string& address);

}  // namespace vigie::daemon
