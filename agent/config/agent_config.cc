#include "agent/config/agent_config.h"

#include <algorithm>

#include "common/config.h"
#include "common/strings.h"
#include "re2/re2.h"

namespace vigie::agent {

const std::vector<std::string>& KnownCollectors() {
  static const std::vector<std::string> kNames = {"cpu",       "meminfo", "loadavg", "filesystem",
                                                  "diskstats", "netdev",  "uptime",  "processes"};
  return kNames;
}

namespace {

void CheckRegex(const YAML::Node& at, std::string_view key, const std::string& pattern,
                ConfigErrors& errors) {
  if (pattern.empty()) return;
  RE2 re(pattern, RE2::Quiet);
  if (!re.ok()) {
    errors.Add(at, StrCat("\"", key, "\": invalid regular expression: ", re.error()));
  }
}

}  // namespace

absl::StatusOr<AgentConfig> ParseAgentConfig(const std::string& text, const std::string& file) {
  ConfigErrors errors(file);
  YAML::Node root = LoadYamlString(text, errors);
  AgentConfig cfg;
  if (!errors.empty()) return errors.ToStatus();

  MapReader top(root, "", errors);
  top.String("server", cfg.server);
  top.Duration("interval", cfg.interval, std::chrono::milliseconds(100));
  {
    MapReader r(top.Map("host"), "host", errors);
    r.String("name", cfg.host_name);
    r.LabelMap("labels", cfg.host_labels);
    r.Finish();
  }
  {
    MapReader r(top.Map("buffer"), "buffer", errors);
    r.UInt("max_batches", cfg.buffer_max_batches, 1, 1'000'000);
    r.Bytes("max_bytes", cfg.buffer_max_bytes, 64 * 1024);
    r.Finish();
  }
  {
    YAML::Node node = top.Map("reconnect");
    MapReader r(node, "reconnect", errors);
    r.Duration("initial", cfg.reconnect_initial, std::chrono::milliseconds(10));
    r.Duration("max", cfg.reconnect_max, std::chrono::milliseconds(100));
    r.Finish();
    if (cfg.reconnect_max < cfg.reconnect_initial) {
      // Only reachable when the file set one of them, so `node` is a mapping.
      errors.Add(node["max"].IsDefined() ? node["max"] : node,
                 "\"reconnect.max\" must not be below \"reconnect.initial\"");
    }
  }
  {
    MapReader r(top.Map("paths"), "paths", errors);
    r.String("proc", cfg.proc_root);
    r.String("sys", cfg.sys_root);
    r.String("root", cfg.root);
    r.Finish();
  }
  {
    YAML::Node node = top.Map("collectors");
    MapReader r(node, "collectors", errors);
    r.StringList("disabled", cfg.disabled_collectors);
    for (const auto& name : cfg.disabled_collectors) {
      const auto& known = KnownCollectors();
      if (std::find(known.begin(), known.end(), name) == known.end()) {
        errors.Add(node["disabled"],
                   StrCat("\"collectors.disabled\": unknown collector \"", name, "\""));
      }
    }
    {
      YAML::Node fs = r.Map("filesystem");
      MapReader f(fs, "collectors.filesystem", errors);
      f.StringList("exclude_fstypes", cfg.fs_exclude_types);
      f.String("exclude_mounts", cfg.fs_exclude_mounts);
      f.Finish();
      if (fs.IsDefined() && fs["exclude_mounts"].IsDefined()) {
        CheckRegex(fs["exclude_mounts"], "collectors.filesystem.exclude_mounts",
                   cfg.fs_exclude_mounts, errors);
      }
    }
    {
      YAML::Node net = r.Map("netdev");
      MapReader n(net, "collectors.netdev", errors);
      n.String("exclude_devices", cfg.net_exclude_devices);
      n.Finish();
      if (net.IsDefined() && net["exclude_devices"].IsDefined()) {
        CheckRegex(net["exclude_devices"], "collectors.netdev.exclude_devices",
                   cfg.net_exclude_devices, errors);
      }
    }
    {
      MapReader p(r.Map("processes"), "collectors.processes", errors);
      p.Bool("states", cfg.processes_states);
      p.Finish();
    }
    r.Finish();
  }
  {
    MapReader r(top.Map("log"), "log", errors);
    r.LogLevel("level", cfg.log_level);
    r.Finish();
  }
  top.Finish();
  if (!errors.empty()) return errors.ToStatus();
  cfg.hash = StrCat(std::hash<std::string>{}(text));
  return cfg;
}

absl::StatusOr<AgentConfig> LoadAgentConfig(const std::string& file) {
  auto text = ReadConfigFile(file);
  if (!text.ok()) return text.status();
  return ParseAgentConfig(*text, file);
}

}  // namespace vigie::agent
