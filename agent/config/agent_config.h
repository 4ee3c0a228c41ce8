// vigie-agent's configuration: every key, its default and its check. The YAML
// reference is docs/configuration.md; keep the two in step.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace vigie::agent {

struct AgentConfig {
  std::string server = "127.0.0.1:9470";
  std::string host_name;  // empty: the machine's hostname
  std::map<std::string, std::string> host_labels;
  std::chrono::milliseconds interval{std::chrono::seconds(15)};

  // Un-acknowledged batches kept in memory while vigied is away.
  uint64_t buffer_max_batches = 240;  // one hour at the default interval
  uint64_t buffer_max_bytes = 16 << 20;

  std::chrono::milliseconds reconnect_initial{500};
  std::chrono::milliseconds reconnect_max{30'000};

  std::string proc_root = "/proc";
  std::string sys_root = "/sys";
  std::string root = "/";

  std::vector<std::string> disabled_collectors;
  std::vector<std::string> fs_exclude_types;  // empty: the built-in pseudo-fs list
  std::string fs_exclude_mounts;              // empty: the built-in default
  std::string net_exclude_devices = "lo";
  bool processes_states = false;  // node_processes_state: one read per pid

  std::string log_level = "info";

  // Hash of the effective configuration, sent in Hello.
  std::string hash;
};

// Parses `text` (the content of `file`, named in errors). Every problem is
// reported as "file:line: message"; the returned status holds them all.
absl::StatusOr<AgentConfig> ParseAgentConfig(const std::string& text, const std::string& file);
absl::StatusOr<AgentConfig> LoadAgentConfig(const std::string& file);

// The collectors that can be named in collectors.disabled.
const std::vector<std::string>& KnownCollectors();

}  // namespace vigie::agent
