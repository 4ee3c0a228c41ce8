#include "agent/config/agent_config.h"

#include <gtest/gtest.h>

namespace vigie::agent {
namespace {

std::string Errors(const std::string& yaml) {
  auto cfg = ParseAgentConfig(yaml, "agent.yaml");
  return cfg.ok() ? "" : std::string(cfg.status().message());
}

TEST(AgentConfigTest, Defaults) {
  auto cfg = ParseAgentConfig("", "agent.yaml");
  ASSERT_TRUE(cfg.ok());
  EXPECT_EQ(cfg->server, "127.0.0.1:9470");
  EXPECT_EQ(cfg->interval, std::chrono::seconds(15));
  EXPECT_EQ(cfg->buffer_max_batches, 240u);
  EXPECT_EQ(cfg->proc_root, "/proc");
  EXPECT_TRUE(cfg->host_name.empty());
  EXPECT_FALSE(cfg->processes_states);
}

TEST(AgentConfigTest, ProcessesStates) {
  auto cfg = ParseAgentConfig("collectors:\n  processes:\n    states: true\n", "agent.yaml");
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  EXPECT_TRUE(cfg->processes_states);
  EXPECT_EQ(Errors("collectors:\n  processes:\n    states: maybe\n"),
            "agent.yaml:3: \"collectors.processes.states\" must be true or false, not \"maybe\"");
  EXPECT_EQ(Errors("collectors:\n  processes:\n    state: true\n"),
            "agent.yaml:3: unknown key \"collectors.processes.state\"");
}

TEST(AgentConfigTest, ReadsKeys) {
  auto cfg = ParseAgentConfig(R"(
server: vigie.example:9470
interval: 500ms
host:
  name: db1
  labels:
    env: prod
    team: dba
buffer:
  max_batches: 10
  max_bytes: 1MiB
reconnect:
  initial: 100ms
  max: 5s
paths:
  proc: /host/proc
  sys: /host/sys
  root: /host
collectors:
  disabled: [processes]
  filesystem:
    exclude_fstypes: [tmpfs]
    exclude_mounts: "^/boot$"
  netdev:
    exclude_devices: "^(lo|docker.*)$"
log:
  level: warn
)",
                              "agent.yaml");
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  EXPECT_EQ(cfg->server, "vigie.example:9470");
  EXPECT_EQ(cfg->interval, std::chrono::milliseconds(500));
  EXPECT_EQ(cfg->host_name, "db1");
  EXPECT_EQ(cfg->host_labels.at("team"), "dba");
  EXPECT_EQ(cfg->buffer_max_batches, 10u);
  EXPECT_EQ(cfg->buffer_max_bytes, 1u << 20);
  EXPECT_EQ(cfg->reconnect_max, std::chrono::seconds(5));
  EXPECT_EQ(cfg->root, "/host");
  EXPECT_EQ(cfg->disabled_collectors, std::vector<std::string>{"processes"});
  EXPECT_EQ(cfg->fs_exclude_types, std::vector<std::string>{"tmpfs"});
  EXPECT_EQ(cfg->net_exclude_devices, "^(lo|docker.*)$");
  EXPECT_EQ(cfg->log_level, "warn");
  EXPECT_FALSE(cfg->hash.empty());
}

TEST(AgentConfigTest, ErrorsNameFileAndLine) {
  EXPECT_EQ(Errors("interval: 15s\nhost:\n  nmae: x\n"), "agent.yaml:3: unknown key \"host.nmae\"");
  EXPECT_EQ(Errors("interval: fast\n"),
            "agent.yaml:1: \"interval\": invalid duration \"fast\" (expected e.g. 500ms, 15s, "
            "1h30m)");
  EXPECT_EQ(Errors("interval: 10ms\n"),
            "agent.yaml:1: \"interval\" must be at least 100ms, not 10ms");
  EXPECT_EQ(Errors("host:\n  labels:\n    1env: prod\n"),
            "agent.yaml:3: \"host.labels\": invalid label name \"1env\" (letters, digits and _, "
            "not starting with a digit or __; \"host\" is reserved)");
  EXPECT_EQ(Errors("collectors:\n  disabled: [cpu, gpu]\n"),
            "agent.yaml:2: \"collectors.disabled\": unknown collector \"gpu\"");
  EXPECT_EQ(Errors("collectors:\n  netdev:\n    exclude_devices: \"(\"\n"),
            "agent.yaml:3: \"collectors.netdev.exclude_devices\": invalid regular expression: "
            "missing ): (");
  EXPECT_EQ(Errors("reconnect:\n  initial: 5s\n  max: 1s\n"),
            "agent.yaml:3: \"reconnect.max\" must not be below \"reconnect.initial\"");
}

}  // namespace
}  // namespace vigie::agent
