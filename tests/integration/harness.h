// Integration test harness: real vigied, vigie-agent and vigiectl processes on
// 127.0.0.1 with free ports, in a temporary directory. The generic helpers
// (TempDir, Process, RunCommand, HttpGet, ...) live in tests/testing/test_env.h.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/testing/test_env.h"

namespace vigie::itest {

using std::chrono::milliseconds;
using test_env::CommandResult;
using test_env::Env;
using test_env::FindSamples;
using test_env::FindValue;
using test_env::FreePort;
using test_env::HttpGet;
using test_env::HttpResponse;
using test_env::LabelMap;
using test_env::ParseExposition;
using test_env::Process;
using test_env::PromSample;
using test_env::ReadFileOrEmpty;
using test_env::RunCommand;
using test_env::TempDir;
using test_env::WaitFor;

// Paths of the binaries under test (compile definitions set by CMake).
const char* VigiedBinary();
const char* AgentBinary();
const char* VigiectlBinary();

struct AgentSpec {
  std::string host{};
  LabelMap labels{};
  milliseconds interval = milliseconds(300);
  std::string extra_yaml{};  // appended to the generated config
};

// A temporary directory, a vigied on free ports with its data there, and any
// number of agents reporting to it.
class VigiedFixture : public ::testing::Test {
 protected:
  VigiedFixture();
  ~VigiedFixture() override;

  // Writes vigied.yaml. `extra_yaml` is appended (top-level sections other
  // than listen, storage and hosts, e.g. "ingest:\n  max_message_size: 64KiB\n").
  void WriteDaemonConfig(int stale_after_intervals = 3, const std::string& extra_yaml = "");
  // Starts vigied on the config (written with defaults if not yet) and waits
  // for /readyz to answer 200. Fails the test (fatally) if it does not.
  void StartVigied();
  // SIGTERM, then waits for exit; returns the exit code.
  std::optional<int> StopVigied(milliseconds timeout = milliseconds(10'000));

  // Writes an agent config for `spec` and returns its path.
  std::string WriteAgentConfig(const AgentSpec& spec);
  Process& StartAgent(const AgentSpec& spec);
  Process& agent(const std::string& host) { return *agents_.at(host); }

  std::string GrpcAddress() const;
  std::string HttpUrl(const std::string& path) const;
  // GET /metrics, parsed; empty when vigied does not answer.
  std::vector<PromSample> Metrics() const;
  std::optional<double> Metric(const std::string& name, const LabelMap& subset = {}) const;
  // Runs vigiectl --server <grpc address> args...
  CommandResult Vigiectl(const std::vector<std::string>& args) const;

  TempDir tmp_;
  int grpc_port_;
  int http_port_;
  std::string daemon_config_;
  std::unique_ptr<Process> vigied_;
  std::map<std::string, std::unique_ptr<Process>> agents_;
};

}  // namespace vigie::itest
