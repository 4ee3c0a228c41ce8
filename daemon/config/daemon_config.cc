#include "daemon/config/daemon_config.h"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <map>
#include <mutex>
#include <utility>

#include "common/file.h"
#include "common/strings.h"
#include "daemon/rules/promql/promql.h"

namespace vigie::daemon {
namespace {

constexpr char kDefaultRulesName[] = "deploy/rules/default.yml (embedded)";

rules::RuleFileOptions RuleOptions(std::chrono::milliseconds evaluation_interval) {
  rules::RuleFileOptions options;
  options.default_interval = evaluation_interval;
  options.parse_expr = [](std::string_view expr) { return promql::ParseExpr(expr).status(); };
  return options;
}

// Loads `cfg.rule_files` (or the default set when the key is absent) into `cfg.rules`.
// Errors of the patterns themselves go to `errors` at `at` (the config's line); errors
// inside rule files are returned, each already "rulefile:line[:col]: message".
absl::Status LoadRules(DaemonConfig& cfg, const std::string& file, const YAML::Node& at,
                       ConfigErrors& errors) {
  if (!cfg.rule_files_set) {
    cfg.rules = DefaultRuleFiles(cfg.evaluation_interval);
    return absl::OkStatus();
  }
  const std::string base_dir = std::filesystem::path(file).parent_path().string();
  auto paths = rules::ExpandRuleFilePatterns(cfg.rule_files, base_dir);
  if (!paths.ok()) {
    errors.Add(at, StatusMessage(paths.status()));
    return absl::OkStatus();
  }
  auto loaded = rules::LoadRuleFiles(*paths, "", RuleOptions(cfg.evaluation_interval));
  if (!loaded.ok()) return loaded.status();
  cfg.rules = std::move(*loaded);
  return absl::OkStatus();
}

// `oncall:` and what the escalation engine needs of it (policies, contact
// rules, teams, who is on call).
std::shared_ptr<const oncall::OnCallConfig> ParseOnCallSection(
    const YAML::Node& node, const std::vector<std::string>& receivers, PipelineConfig& out,
    ConfigErrors& errors) {
  auto config = std::make_shared<oncall::OnCallConfig>(oncall::ParseOnCall(node, errors));
  std::vector<std::string> users, teams, schedules;
  for (const auto& [name, u] : config->users) users.push_back(name);
  for (const auto& [name, t] : config->teams) teams.push_back(name);
  for (const auto& [name, sc] : config->schedules) schedules.push_back(name);
  incidents::Directory& d = out.oncall;
  d.policies = incidents::ParseEscalationPolicies(config->escalation_policies_node, schedules,
                                                  users, teams, receivers, errors);
  for (const auto& [name, rules] : config->user_contact_rules) {
    d.contact_rules[name] = incidents::ParseContactRules(rules, receivers, errors);
  }
  for (const auto& [name, u] : config->users) {
    out.people[name] = notify::Recipient{u.name, u.email, u.phone, u.chat};
    if (!d.contact_rules.contains(name)) d.contact_rules[name] = {};
  }
  for (const auto& [name, t] : config->teams) {
    d.team_members[name] = t.members;
    d.team_receiver[name] = t.receiver.value_or("");
    if (t.receiver &&
        std::find(receivers.begin(), receivers.end(), *t.receiver) == receivers.end()) {
      errors.Add(node, StrCat("team \"", name, "\": unknown receiver \"", *t.receiver, "\""));
    }
  }
  // Who is on call: the configured schedules, read at the time asked.
  d.on_call = [config](const std::string& schedule, int64_t at_ms) -> std::optional<std::string> {
    auto it = config->schedules.find(schedule);
    if (it == config->schedules.end()) return std::nullopt;
    return oncall::OnCallAt(it->second, {}, config->holidays, at_ms);
  };
  return config;
}

// `route`, `receivers`, `inhibit_rules`, `maintenance_windows`, `notifications`,
// `oncall`.
void ParsePipeline(MapReader& top, const std::string& file, DaemonConfig& cfg,
                   ConfigErrors& errors) {
  PipelineConfig& out = cfg.pipeline;
  notify::ReceiverParseOptions ro;
  ro.base_dir = std::filesystem::path(file).parent_path().string();
  if (ro.base_dir.empty()) ro.base_dir = ".";
  const YAML::Node receivers = top.Sequence("receivers");
  out.receivers = notify::ParseReceivers(receivers, errors, ro);
  std::vector<std::string> names;
  for (const auto& r : out.receivers) names.push_back(r.name);
  // Names of receivers that had errors too, so a route naming one is not
  // reported a second time as unknown.
  if (receivers.IsSequence()) {
    for (const auto& item : receivers) {
      if (item.IsMap() && item["name"].IsScalar()) names.push_back(item["name"].Scalar());
    }
  }
  cfg.oncall = ParseOnCallSection(top.Map("oncall"), names, out, errors);
  std::vector<std::string> policies;
  for (const auto& [name, p] : out.oncall.policies) policies.push_back(name);
  const YAML::Node route = top.Map("route");
  if (route.IsDefined()) {
    out.route = routing::ParseRouteTree(route, names, errors, &policies);
  } else if (receivers.IsDefined() && receivers.size() > 0) {
    errors.Add(receivers,
               "receivers are defined but there is no \"route\": nothing would be "
               "notified (add e.g. `route: {receiver: " +
                   names.front() + "}`)");
  }
  out.inhibit_rules = routing::ParseInhibitRules(top.Sequence("inhibit_rules"), errors);
  out.maintenance_windows =
      routing::ParseMaintenanceWindows(top.Sequence("maintenance_windows"), errors);
  MapReader r(top.Map("notifications"), "notifications", errors);
  r.Duration("retry_initial_backoff", out.retry.backoff.initial, std::chrono::milliseconds(10));
  r.Duration("retry_max_backoff", out.retry.backoff.max, std::chrono::milliseconds(10));
  r.Duration("give_up_after", out.retry.max_elapsed, std::chrono::seconds(1));
  r.Duration("log_retention", out.log_retention, std::chrono::hours(1));
  r.Finish();
  MapReader inc(top.Map("incidents"), "incidents", errors);
  inc.StringList("causes", cfg.causes);
  inc.Finish();
  MapReader ack(top.Map("acknowledgement"), "acknowledgement", errors);
  ack.String("key_file", cfg.ack_key_file);
  ack.Duration("link_ttl", out.ack_link_ttl, std::chrono::minutes(1));
  ack.Finish();
  if (!cfg.ack_key_file.empty() && !std::filesystem::path(cfg.ack_key_file).is_absolute()) {
    cfg.ack_key_file = (std::filesystem::path(ro.base_dir) / cfg.ack_key_file).string();
  }
  if (out.retry.backoff.max < out.retry.backoff.initial) {
    out.retry.backoff.max = out.retry.backoff.initial;
  }
}

}  // namespace

PipelineConfig MakePipelineConfig(const DaemonConfig& config) {
  PipelineConfig p = config.pipeline;
  p.external_url =
      config.external_url.empty() ? StrCat("http://", config.http_listen) : config.external_url;
  p.ack_key_file =
      config.ack_key_file.empty() ? JoinPath(config.data_dir, "ack.key") : config.ack_key_file;
  return p;
}

std::vector<rules::RuleFile> DefaultRuleFiles(std::chrono::milliseconds evaluation_interval) {
  static std::mutex mu;
  static std::map<int64_t, std::vector<rules::RuleFile>> cache;
  std::lock_guard lock(mu);
  auto [it, inserted] = cache.try_emplace(evaluation_interval.count());
  if (inserted) {
    ConfigErrors errors(kDefaultRulesName);
    rules::RuleFile parsed =
        rules::ParseRuleFile(DefaultRulesText(), RuleOptions(evaluation_interval), errors);
    if (errors.empty()) it->second.push_back(std::move(parsed));
  }
  return it->second;
}

absl::Status ValidateListenAddress(const std::string& address) {
  auto colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return absl::InvalidArgumentError(
        StrCat("listen address \"", address, "\" must be HOST:PORT, e.g. 127.0.0.1:9470"));
  }
  std::string_view port = std::string_view(address).substr(colon + 1);
  unsigned value = 0;
  auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc() || ptr != port.data() + port.size() || value > 65535) {
    return absl::InvalidArgumentError(
        StrCat("listen address \"", address, "\" has an invalid port \"", port, "\""));
  }
  return absl::OkStatus();
}

absl::StatusOr<DaemonConfig> ParseDaemonConfig(const std::string& text, const std::string& file) {
  ConfigErrors errors(file);
  YAML::Node root = LoadYamlString(text, errors);
  DaemonConfig cfg;
  if (!errors.empty()) return errors.ToStatus();

  MapReader top(root, "", errors);
  {
    YAML::Node node = top.Map("listen");
    MapReader r(node, "listen", errors);
    r.String("grpc", cfg.grpc_listen);
    r.String("http", cfg.http_listen);
    r.Finish();
    for (const char* key : {"grpc", "http"}) {
      if (node.IsDefined() && node[key].IsDefined()) {
        if (absl::Status st = ValidateListenAddress(node[key].Scalar()); !st.ok()) {
          errors.Add(node[key], StrCat("\"listen.", key, "\": ", StatusMessage(st)));
        }
      }
    }
  }
  {
    MapReader r(top.Map("storage"), "storage", errors);
    r.String("path", cfg.data_dir);
    r.Finish();
  }
  {
    MapReader r(top.Map("ingest"), "ingest", errors);
    r.Bytes("max_message_size", cfg.max_message_bytes, 1024);
    r.UInt("max_samples_per_batch", cfg.max_samples_per_batch, 1, 1'000'000);
    r.UInt("max_series_per_host", cfg.max_series_per_host, 1, 10'000'000);
    r.UInt("max_labels_per_sample", cfg.max_labels_per_sample, 1, 1000);
    r.UInt("max_label_value_length", cfg.max_label_value_length, 1, 1 << 20);
    r.UInt("max_inflight_batches", cfg.max_inflight_batches, 1, 10'000);
    r.Finish();
  }
  {
    MapReader r(top.Map("series"), "series", errors);
    r.Duration("retention", cfg.retention, std::chrono::minutes(1));
    r.Finish();
  }
  {
    MapReader r(top.Map("hosts"), "hosts", errors);
    r.Duration("default_interval", cfg.default_interval, std::chrono::milliseconds(100));
    r.UInt("stale_after_intervals", cfg.stale_after_intervals, 1, 1000);
    r.Finish();
  }
  {
    MapReader r(top.Map("log"), "log", errors);
    r.LogLevel("level", cfg.log_level);
    r.Finish();
  }
  top.String("external_url", cfg.external_url);
  ParsePipeline(top, file, cfg, errors);
  top.Duration("evaluation_interval", cfg.evaluation_interval, std::chrono::seconds(1));
  top.StringList("rule_files", cfg.rule_files);
  const YAML::Node& const_root = root;
  const YAML::Node rule_files_node =
      const_root.IsMap() ? const_root["rule_files"] : YAML::Node(YAML::NodeType::Undefined);
  cfg.rule_files_set = rule_files_node.IsDefined();  // `rule_files:` (null) means none too
  top.Finish();
  if (!errors.empty()) return errors.ToStatus();

  if (absl::Status st = LoadRules(cfg, file, rule_files_node, errors); !st.ok()) return st;
  if (!errors.empty()) return errors.ToStatus();
  return cfg;
}

absl::StatusOr<DaemonConfig> LoadDaemonConfig(const std::string& file) {
  auto text = ReadConfigFile(file);
  if (!text.ok()) return text.status();
  auto cfg = ParseDaemonConfig(*text, file);
  if (cfg.ok()) cfg->config_file = file;
  return cfg;
}

}  // namespace vigie::daemon
