// Receivers: the `receivers:` section of vigied's config, in Alertmanager's
// shape (a list of {name, email_configs, webhook_configs, slack_configs,
// mattermost_configs, teams_configs, alertmanager_configs, exec_configs}),
// and the explicit construction of a receiver's notifiers.
//
// Parsing validates everything a notifier needs (URLs, templates compiled,
// secret files readable, env variables set) so that a bad receiver fails at
// load with `file:line: message`, never at 3 a.m. Every key is documented in
// docs/notifications.md. Secrets are read at load, kept only in the configs
// and never logged (a reload re-reads them).
//
// Pure functions; thread-compatible.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/config.h"
#include "daemon/notify/alertmanager/alertmanager_notifier.h"
#include "daemon/notify/chat/chat_notifier.h"
#include "daemon/notify/email/email_notifier.h"
#include "daemon/notify/exec/exec_notifier.h"
#include "daemon/notify/http_client.h"
#include "daemon/notify/notifier.h"
#include "daemon/notify/webhook/webhook_notifier.h"

namespace vigie::daemon::notify {

struct ReceiverConfig {
  std::string name;
  int line = 0;  // where it is defined, for messages
  std::vector<EmailConfig> email;
  std::vector<WebhookConfig> webhook;
  std::vector<ChatConfig> chat;  // slack, mattermost and teams, in that order
  std::vector<AlertmanagerConfig> alertmanager;
  std::vector<ExecConfig> exec;
};

struct ReceiverParseOptions {
  // Relative *_file paths are resolved against it (the config file's directory).
  std::string base_dir = ".";
  // Environment lookup for *_env keys; null: the process environment.
  std::function<std::optional<std::string>(const std::string&)> getenv;
};

// Parses the `receivers:` node (a sequence; null or undefined reads as none).
// Every error goes to `errors`; receivers with errors are left out.
std::vector<ReceiverConfig> ParseReceivers(const YAML::Node& node, ConfigErrors& errors,
                                           const ReceiverParseOptions& options = {});

// Convenience for tools and tests: a whole YAML file whose top level has
// `receivers:` (other top-level keys are ignored). Errors as one status.
absl::StatusOr<std::vector<ReceiverConfig>> LoadReceiversFile(
    const std::string& path, const ReceiverParseOptions& options = {});

// What notifiers are built with; both must outlive the notifiers.
struct NotifierDeps {
  const CurlRuntime& curl;
  const Clock& clock;
};

// One notifier per configured channel entry, in the order of ReceiverConfig.
std::vector<std::unique_ptr<Notifier>> BuildNotifiers(const ReceiverConfig& receiver,
                                                      const NotifierDeps& deps);

}  // namespace vigie::daemon::notify
