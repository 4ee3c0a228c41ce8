// ChatNotifier: posts a message to a chat incoming webhook, in one of three
// formats:
//   slack, mattermost: Slack-compatible {text, attachments[{color, title,
//     title_link, text, fallback}]} plus optional channel/username/icon;
//   teams: an Office 365 connector MessageCard {@type, themeColor, summary,
//     title, text, potentialAction[OpenUri runbook/ack links]}.
// Title and text are message templates (defaults: the default subject and body).
//
// HTTP rules as for the webhook: 2xx ok; 429/5xx/connect errors retryable
// (Retry-After honoured); other statuses not. The webhook URL holds a secret
// token in all three products: it is never logged nor put in a status.
//
// Immutable after construction; Notify() is thread-safe.
#pragma once

#include <string>

#include "common/clock.h"
#include "daemon/notify/http_client.h"
#include "daemon/notify/notifier.h"
#include "daemon/notify/template.h"

namespace vigie::daemon::notify {

enum class ChatFormat { kSlack, kMattermost, kTeams };

// "slack", "mattermost", "teams".
const char* ChatFormatName(ChatFormat f);

struct ChatConfig {
  ChatFormat format = ChatFormat::kSlack;
  HttpEndpoint endpoint;  // url: the incoming webhook URL
  std::string channel;    // slack/mattermost: override the webhook's channel
  std::string username;   // slack/mattermost
  std::string icon_emoji;
  std::string icon_url;
  MessageTemplate title = DefaultSubject();
  MessageTemplate text = DefaultBody();
  bool send_resolved = true;
};

// The JSON body for `n` (pure; exposed for tests).
std::string ChatPayload(const ChatConfig& config, const Notification& n);

class ChatNotifier final : public Notifier {
 public:
  ChatNotifier(const CurlRuntime& curl, const Clock& clock, ChatConfig config)
      : curl_(curl), clock_(clock), config_(std::move(config)) {}
  std::string_view channel() const override { return ChatFormatName(config_.format); }
  NotifyResult Notify(const Notification& n) override;

 private:
  const CurlRuntime& curl_;
  const Clock& clock_;
  ChatConfig config_;
};

}  // namespace vigie::daemon::notify
