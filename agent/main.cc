// vigie-agent: parses flags and wires the agent. See docs/configuration.md.
#include <google/protobuf/util/json_util.h>
#include <pthread.h>

#include <csignal>
#include <iostream>

#include "CLI/CLI.hpp"
#include "agent/agent.h"
#include "agent/config/agent_config.h"
#include "agent/platform/process_env.h"
#include "common/clock.h"
#include "common/labels.h"
#include "common/logging.h"
#include "common/strings.h"
#include "common/version.h"
#include "fmt/format.h"
#include "vigie/v1/ingest.pb.h"

namespace {

absl::StatusOr<vigie::agent::AgentConfig> LoadConfig(const std::string& file) {
  if (file.empty()) return vigie::agent::AgentConfig{};
  return vigie::agent::LoadAgentConfig(file);
}

int CheckConfig(const std::string& file) {
  auto cfg = vigie::agent::LoadAgentConfig(file);
  if (!cfg.ok()) {
    std::cerr << cfg.status().message() << "\n";
    return 1;
  }
  std::cout << file << ": OK\n";
  return 0;
}

int Once(const vigie::agent::AgentConfig& config, bool json) {
  vigie::SystemClock clock;
  auto agent = vigie::agent::Agent::Create(config, clock);
  if (!agent.ok()) {
    std::cerr << "vigie-agent: " << agent.status().message() << "\n";
    return 1;
  }
  vigie::v1::Batch batch = (*agent)->CollectOnce();
  if (json) {
    google::protobuf::util::JsonPrintOptions opts;
    opts.add_whitespace = true;
    opts.preserve_proto_field_names = true;
    std::string inv, round;
    auto inventory = (*agent)->Inventory();
    (void)google::protobuf::util::MessageToJsonString(inventory, &inv, opts);
    batch.clear_metadata();
    (void)google::protobuf::util::MessageToJsonString(batch, &round, opts);
    std::cout << "{\"inventory\": " << inv << ", \"batch\": " << round << "}\n";
    return 0;
  }
  for (const auto& s : batch.samples()) {
    vigie::Labels labels;
    for (const auto& l : s.labels()) labels.push_back({l.name(), l.value()});
    std::cout << fmt::format("{} {}\n", vigie::FormatSeries(s.name(), labels), s.value());
  }
  return 0;
}

int Run(const vigie::agent::AgentConfig& config) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  vigie::SystemClock clock;
  auto agent = vigie::agent::Agent::Create(config, clock);
  if (!agent.ok()) {
    std::cerr << "vigie-agent: " << agent.status().message() << "\n";
    return 1;
  }
  (*agent)->Start();
  int sig = 0;
  sigwait(&signals, &sig);
  vigie::MakeLogger("agent")->info("signal {}: stopping", sig);
  (*agent)->Stop(std::chrono::seconds(2));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // gRPC's client "backup poller" wakes every 5 s to drive idle channels. The
  // agent never leaves a channel idle (its stream's reader thread always
  // polls) and reconnects on a fresh channel itself, so the poller only costs
  // CPU: ~0.2 ms per round at a 1 s interval (docs/benchmarks.md). Must be set
  // before gRPC initialises; an operator's own setting wins.
  vigie::agent::SetEnvDefault("GRPC_CLIENT_CHANNEL_BACKUP_POLL_INTERVAL_MS", "0");
  CLI::App app{"vigie-agent: collects host health and streams it to vigied"};
  app.set_version_flag("--version", std::string("vigie-agent ") + vigie::kVersion);
  std::string config_file;
  app.add_option("-c,--config", config_file, "Configuration file (YAML); defaults if absent")
      ->check(CLI::ExistingFile);
  auto* once = app.add_subcommand("once", "Collect one round, print it and exit");
  bool json = false;
  once->add_flag("--json", json, "Print as JSON (inventory and the batch as sent)");
  auto* check = app.add_subcommand("check-config", "Validate a configuration file and exit");
  std::string check_file;
  check->add_option("file", check_file, "Configuration file to validate")->required();
  CLI11_PARSE(app, argc, argv);

  if (check->parsed()) return CheckConfig(check_file);
  auto config = LoadConfig(config_file);
  if (!config.ok()) {
    std::cerr << config.status().message() << "\n";
    return 1;
  }
  if (absl::Status st = vigie::ConfigureLogging(once->parsed() ? "warn" : config->log_level);
      !st.ok()) {
    std::cerr << "vigie-agent: " << st.message() << "\n";
    return 1;
  }
  if (once->parsed()) return Once(*config, json);
  return Run(*config);
}
