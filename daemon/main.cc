// vigied: parses flags and wires the daemon. See docs/configuration.md.
#include <csignal>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "common/clock.h"
#include "common/logging.h"
#include "common/strings.h"
#include "common/version.h"
#include "daemon/config/daemon_config.h"
#include "daemon/daemon.h"
#include "daemon/rules/rule_tester.h"

namespace {

int CheckConfig(const std::string& file) {
  auto cfg = vigie::daemon::LoadDaemonConfig(file);
  if (!cfg.ok()) {
    std::cerr << cfg.status().message() << "\n";
    return 1;
  }
  std::cout << file << ": OK\n";
  return 0;
}

int Run(const std::string& config_file) {
  // Block the shutdown signals before gRPC starts threads, then wait for one.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  vigie::daemon::DaemonConfig config;
  if (!config_file.empty()) {
    auto loaded = vigie::daemon::LoadDaemonConfig(config_file);
    if (!loaded.ok()) {
      std::cerr << loaded.status().message() << "\n";
      return 1;
    }
    config = *loaded;
  }
  if (absl::Status st = vigie::ConfigureLogging(config.log_level); !st.ok()) {
    std::cerr << "vigied: " << st.message() << "\n";
    return 1;
  }
  auto log = vigie::MakeLogger("vigied");
  if (config_file.empty()) log->info("no --config given: running on embedded defaults");

  vigie::SystemClock clock;
  auto daemon = vigie::daemon::Daemon::Start(config, clock);
  if (!daemon.ok()) {
    log->critical("cannot start: {}", vigie::StatusMessage(daemon.status()));
    return 1;
  }
  for (;;) {
    int sig = 0;
    sigwait(&signals, &sig);
    if (sig == SIGHUP) {
      auto reloaded = (*daemon)->Reload("SIGHUP");
      if (reloaded.ok()) {
        log->info("SIGHUP: {} reloaded: {} rules, {} receivers", reloaded->config_file,
                  reloaded->rules, reloaded->receivers);
      } else {
        log->error("SIGHUP: reload refused, the running configuration is kept: {}",
                   vigie::StatusMessage(reloaded.status()));
      }
      continue;
    }
    log->info("signal {}: shutting down", sig);
    break;
  }
  (*daemon)->Shutdown();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"vigied: the Vigie monitoring daemon"};
  app.set_version_flag("--version", std::string("vigied ") + vigie::kVersion);
  std::string config_file;
  app.add_option("-c,--config", config_file,
                 "Configuration file (YAML); embedded defaults if absent")
      ->check(CLI::ExistingFile);
  auto* check = app.add_subcommand("check-config", "Validate a configuration file and exit");
  std::string check_file;
  check->add_option("file", check_file, "Configuration file to validate")->required();
  auto* test_rules = app.add_subcommand(
      "test-rules",
      "Run rule unit tests (promtool test rules format) and exit: 0 pass, 1 fail, 2 bad input");
  std::vector<std::string> test_files;
  test_rules->add_option("files", test_files, "Rule test files")->required();
  CLI11_PARSE(app, argc, argv);
  if (check->parsed()) return CheckConfig(check_file);
  if (test_rules->parsed()) {
    return vigie::daemon::rules::TestRulesMain(test_files, std::cout, std::cerr);
  }
  return Run(config_file);
}
