#include "daemon/notify/chat/chat_notifier.h"

#include "common/strings.h"
#include "nlohmann/json.hpp"

namespace vigie::daemon::notify {

const char* ChatFormatName(ChatFormat f) {
  switch (f) {
    case ChatFormat::kSlack:
      return "slack";
    case ChatFormat::kMattermost:
      return "mattermost";
    case ChatFormat::kTeams:
      return "teams";
  }
  return "slack";
}

namespace {

struct Colors {
  const char* slack;  // Slack's named colours
  const char* teams;  // Teams wants hex
};

Colors ColorsOf(const Notification& n) {
  switch (n.kind) {
    case NotificationKind::kResolved:
      return {"good", "2EB886"};
    case NotificationKind::kFlapping:
      return {"warning", "DAA038"};
    case NotificationKind::kHandoff:
      return {"#439FE0", "439FE0"};
    case NotificationKind::kFiring:
      break;
  }
  return {"danger", "D63333"};
}

// The first alert's runbook, if any (for link buttons).
std::string FirstRunbook(const Notification& n) {
  for (const auto& a : n.alerts) {
    auto it = a.annotations.find("runbook_url");
    if (it != a.annotations.end() && !it->second.empty()) return it->second;
  }
  return "";
}

void SetIfNotEmpty(nlohmann::json& j, const char* key, const std::string& v) {
  if (!v.empty()) j[key] = v;
}

nlohmann::json SlackLike(const ChatConfig& c, const Notification& n, const std::string& title,
                         const std::string& text) {
  nlohmann::json j;
  SetIfNotEmpty(j, "channel", c.channel);
  SetIfNotEmpty(j, "username", c.username);
  SetIfNotEmpty(j, "icon_emoji", c.icon_emoji);
  SetIfNotEmpty(j, "icon_url", c.icon_url);
  j["text"] = title;
  nlohmann::json att;
  att["fallback"] = title;
  att["color"] = ColorsOf(n).slack;
  att["title"] = title;
  const std::string link = FirstRunbook(n).empty() ? n.external_url : FirstRunbook(n);
  SetIfNotEmpty(att, "title_link", link);
  att["text"] = text;
  if (c.format == ChatFormat::kSlack) att["mrkdwn_in"] = {"text"};
  j["attachments"] = nlohmann::json::array({att});
  return j;
}

nlohmann::json OpenUri(const std::string& name, const std::string& uri) {
  return {{"@type", "OpenUri"},
          {"name", name},
          {"targets", nlohmann::json::array({{{"os", "default"}, {"uri", uri}}})}};
}

nlohmann::json TeamsCard(const Notification& n, const std::string& title, std::string text) {
  // Teams markdown joins single newlines; a blank line keeps them apart.
  std::string md;
  for (char ch : text) {
    if (ch == '\n') {
      md += "\n\n";
    } else {
      md += ch;
    }
  }
  nlohmann::json j;
  j["@type"] = "MessageCard";
  j["@context"] = "https://schema.org/extensions";
  j["themeColor"] = ColorsOf(n).teams;
  j["summary"] = title;
  j["title"] = title;
  j["text"] = md;
  auto actions = nlohmann::json::array();
  if (const std::string rb = FirstRunbook(n); !rb.empty())
    actions.push_back(OpenUri("Runbook", rb));
  if (!n.ack_url.empty()) actions.push_back(OpenUri("Acknowledge", n.ack_url));
  if (!actions.empty()) j["potentialAction"] = std::move(actions);
  return j;
}

}  // namespace

std::string ChatPayload(const ChatConfig& config, const Notification& n) {
  const std::string title = config.title.Render(n);
  const std::string text = config.text.Render(n);
  const nlohmann::json j = config.format == ChatFormat::kTeams ? TeamsCard(n, title, text)
                                                               : SlackLike(config, n, title, text);
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

NotifyResult ChatNotifier::Notify(const Notification& n) {
  if (SkipResolved(n, config_.send_resolved)) return NotifyResult::Ok();
  return PostJson(curl_, config_.endpoint, ChatPayload(config_, n), {}, channel(), clock_);
}

}  // namespace vigie::daemon::notify
