// EmailNotifier: sends one plain-text mail per Notification over SMTP with
// libcurl (smtp:// with optional or required STARTTLS, or smtps://), with
// AUTH when a username is configured. Headers: From, To, Subject (templated,
// RFC 2047-encoded when not ASCII), Date, Message-ID (derived from the
// idempotency key, so a re-sent mail has the same id), MIME text/plain UTF-8.
//
// Errors: SMTP 4xx replies and connection failures/timeouts are retryable;
// 5xx replies (including authentication refused) and bad configuration are not.
// The password is never logged nor put in a status.
//
// Immutable after construction; Notify() is thread-safe and blocks for at
// most the configured total timeout.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "common/clock.h"
#include "daemon/notify/http_client.h"
#include "daemon/notify/notifier.h"
#include "daemon/notify/template.h"

namespace vigie::daemon::notify {

struct EmailConfig {
  // "smtp://host:port" or "smtps://host:port" (a bare "host:port" means smtp://).
  std::string smarthost;
  std::string from;
  std::vector<std::string> to;
  std::string hello;        // EHLO name; empty: libcurl's default
  bool require_tls = true;  // smtp://: STARTTLS required (true) or opportunistic (false)
  std::string ca_file;      // empty: the system's CAs
  std::string auth_username;
  std::string auth_password;  // the secret itself (read from a file or env at load)
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds timeout{30'000};
  MessageTemplate subject = DefaultSubject();
  MessageTemplate body = DefaultBody();
  bool send_resolved = true;
};

// The RFC 5322 message (CRLF line ends), pure; exposed for tests.
std::string BuildEmailMessage(const EmailConfig& config, const Notification& n, SystemTime now);

class EmailNotifier final : public Notifier {
 public:
  EmailNotifier(const CurlRuntime& curl, const Clock& clock, EmailConfig config);
  std::string_view channel() const override { return "email"; }
  NotifyResult Notify(const Notification& n) override;

 private:
  const CurlRuntime& curl_;
  const Clock& clock_;
  EmailConfig config_;
  std::string url_;
};

}  // namespace vigie::daemon::notify
