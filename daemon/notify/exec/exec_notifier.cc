#include "daemon/notify/exec/exec_notifier.h"

#include "common/strings.h"

namespace vigie::daemon::notify {

namespace {
constexpr int kExTempFail = 75;  // sysexits.h EX_TEMPFAIL
}  // namespace

NotifyResult ExecNotifier::Notify(const Notification& n) {
  if (SkipResolved(n, config_.send_resolved)) return NotifyResult::Ok();
  std::map<std::string, std::string> env = config_.env;
  env["VIGIE_RECEIVER"] = n.receiver;
  env["VIGIE_STATUS"] = NotificationKindName(n.kind);
  env["VIGIE_GROUP_KEY"] = n.group_key;
  env["VIGIE_IDEMPOTENCY_KEY"] = n.idempotency_key;
  env["VIGIE_ALERT_COUNT"] = StrCat(n.alerts.size());
  env["VIGIE_EXTERNAL_URL"] = n.external_url;
  env["VIGIE_ACK_URL"] = n.ack_url;
  env["VIGIE_INCIDENT"] = n.incident_id != 0 ? StrCat(n.incident_id) : "";
  env["VIGIE_RECIPIENT_NAME"] = n.recipient.name;
  env["VIGIE_RECIPIENT_EMAIL"] = n.recipient.email;
  env["VIGIE_RECIPIENT_PHONE"] = n.recipient.phone;
  env["VIGIE_RECIPIENT_CHAT"] = n.recipient.chat;
  auto run = RunProgram(config_.command, env, NotificationJson(n), config_.timeout);
  if (!run.ok()) {
    return NotifyResult::Permanent(
        absl::Status(run.status().code(), StrCat("exec: ", StatusMessage(run.status()))));
  }
  const std::string prog = config_.command.empty() ? "" : config_.command.front();
  const std::string tail = run->output.empty() ? "" : StrCat(": ", run->output);
  if (run->timed_out) {
    return NotifyResult::Retryable(absl::DeadlineExceededError(
        StrCat("exec: ", prog, " killed after ", config_.timeout.count(), " ms", tail)));
  }
  if (run->signal != 0) {
    return NotifyResult::Permanent(
        absl::InternalError(StrCat("exec: ", prog, " killed by signal ", run->signal, tail)));
  }
  if (run->exit_code == 0) return NotifyResult::Ok();
  absl::Status s =
      absl::UnavailableError(StrCat("exec: ", prog, " exited with ", run->exit_code, tail));
  if (run->exit_code == kExTempFail) return NotifyResult::Retryable(std::move(s));
  return NotifyResult::Permanent(absl::FailedPreconditionError(s.message()));
}

}  // namespace vigie::daemon::notify
