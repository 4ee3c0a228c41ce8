#include "daemon/notify/template.h"

#include <algorithm>
#include <cstdlib>
#include <mutex>
#include <utility>

#include "common/strings.h"
#include "fmt/format.h"
#include "kainjow/mustache.hpp"

namespace vigie::daemon::notify {

namespace mu = kainjow::mustache;

struct MessageTemplate::Impl {
  std::string name;
  std::mutex mu;  // kainjow's render() is not const
  mu::mustache tmpl;
  Impl(std::string n, const std::string& source) : name(std::move(n)), tmpl(source) {}
};

namespace {

constexpr std::string_view kSubject =
    "[{{statusUpper}}{{#multiple}}:{{alertCount}}{{/multiple}}] {{title}}";

// Section tags sit at line ends so that a false section leaves no blank line.
constexpr std::string_view kBody =
    R"({{#flapping}}FLAPPING: these alerts change state too often. Notifications are paused until they settle.

{{/flapping}}{{#alerts}}[{{statusUpper}}] {{alertname}}{{#hasHost}} on {{host}}{{/hasHost}}
  Summary:     {{summary}}
{{#hasDescription}}  Description: {{description}}
{{/hasDescription}}  Host:        {{host}}
  Value:       {{value}}
  Since:       {{startsAt}}
{{#resolved}}  Resolved at: {{endsAt}}
{{/resolved}}  Runbook:     {{#hasRunbook}}{{runbookURL}}{{/hasRunbook}}{{^hasRunbook}}(none){{/hasRunbook}}
  Labels:      {{#labels}}{{name}}={{value}} {{/labels}}
{{^handoff}}  Acknowledge: vigiectl ack {{ackId}}
{{/handoff}}
{{/alerts}}{{#hasAckURL}}Acknowledge in a browser: {{ackURL}}

{{/hasAckURL}}--
vigied {{externalURL}} | receiver {{receiver}} | notification {{idempotencyKey}}
)";

std::string Upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return s;
}

std::string Get(const StringMap& m, const std::string& k) {
  auto it = m.find(k);
  return it == m.end() ? std::string() : it->second;
}

mu::data PairList(const StringMap& m) {
  mu::list l;
  for (const auto& [k, v] : m) {
    mu::data d;
    d.set("name", k);
    d.set("value", v);
    l.push_back(std::move(d));
  }
  return mu::data(l);
}

mu::data Model(const Notification& n) {
  mu::data d;
  const std::string status = NotificationStatus(n);
  d.set("status", status);
  d.set("statusUpper", n.kind == NotificationKind::kFlapping  ? "FLAPPING"
                       : n.kind == NotificationKind::kHandoff ? "ON CALL"
                                                              : Upper(status));
  d.set("handoff", n.kind == NotificationKind::kHandoff);
  d.set("kind", NotificationKindName(n.kind));
  d.set("flapping", n.kind == NotificationKind::kFlapping);
  d.set("receiver", n.receiver);
  d.set("groupKey", n.group_key);
  d.set("externalURL", n.external_url);
  d.set("ackURL", n.ack_url);
  d.set("hasAckURL", !n.ack_url.empty());
  d.set("idempotencyKey", n.idempotency_key);
  d.set("groupLabels", PairList(n.group_labels));
  d.set("commonLabels", PairList(n.common_labels));
  d.set("commonAnnotations", PairList(n.common_annotations));
  d.set("alertCount", fmt::format("{}", n.alerts.size()));
  d.set("multiple", n.alerts.size() > 1);
  size_t firing = 0;
  mu::list alerts;
  for (const auto& a : n.alerts) {
    const StringMap labels = LabelsToMap(a.labels);
    const bool resolved = std::string_view(AlertStatus(a)) == "resolved";
    firing += resolved ? 0 : 1;
    mu::data x;
    x.set("status", AlertStatus(a));
    x.set("statusUpper", Upper(AlertStatus(a)));
    x.set("resolved", resolved);
    x.set("alertname", a.rule.empty() ? Get(labels, "alertname") : a.rule);
    x.set("host", Get(labels, "host"));
    x.set("hasHost", !Get(labels, "host").empty());
    std::string summary = Get(a.annotations, "summary");
    x.set("summary",
          summary.empty() ? (a.rule.empty() ? Get(labels, "alertname") : a.rule) : summary);
    x.set("description", Get(a.annotations, "description"));
    x.set("hasDescription", !Get(a.annotations, "description").empty());
    x.set("runbookURL", Get(a.annotations, "runbook_url"));
    x.set("hasRunbook", !Get(a.annotations, "runbook_url").empty());
    x.set("severity", Get(labels, "severity"));
    x.set("value", fmt::format("{}", a.value));
    x.set("startsAt", FormatRfc3339(a.fired_at_ms > 0 ? a.fired_at_ms : a.active_at_ms));
    x.set("endsAt", FormatRfc3339(a.resolved_at_ms));
    x.set("fingerprint", FingerprintHex(a.fingerprint));
    x.set("ackId", n.incident_id != 0 ? StrCat(n.incident_id) : FingerprintHex(a.fingerprint));
    x.set("labels", PairList(labels));
    x.set("annotations", PairList(a.annotations));
    alerts.push_back(std::move(x));
  }
  d.set("alerts", mu::data(alerts));
  d.set("firingCount", fmt::format("{}", firing));
  d.set("resolvedCount", fmt::format("{}", n.alerts.size() - firing));
  // A one-line title: the common summary, else alert name and host.
  std::string title = Get(n.common_annotations, "summary");
  if (title.empty()) {
    title = Get(n.common_labels, "alertname");
    if (title.empty() && !n.alerts.empty()) title = n.alerts.front().rule;
    if (const std::string host = Get(n.common_labels, "host"); !host.empty()) {
      StrAppend(title, " on ", host);
    }
  }
  d.set("title", title);
  return d;
}

// kainjow reports errors as "... at <offset>"; turn the offset into a line.
std::string LocateError(std::string_view source, const std::string& message) {
  const auto at = message.rfind(" at ");
  if (at == std::string::npos) return message;
  char* end = nullptr;
  const unsigned long offset = std::strtoul(message.c_str() + at + 4, &end, 10);
  if (end == message.c_str() + at + 4 || offset > source.size()) return message;
  const auto line = 1 + std::count(source.begin(), source.begin() + offset, '\n');
  return StrCat("line ", line, ": ", message);
}

}  // namespace

absl::StatusOr<MessageTemplate> MessageTemplate::Compile(std::string name,
                                                         std::string_view source) {
  try {
    auto impl = std::make_shared<Impl>(std::move(name), std::string(source));
    if (!impl->tmpl.is_valid()) {
      return absl::InvalidArgumentError(
          StrCat("template ", impl->name, ": ", LocateError(source, impl->tmpl.error_message())));
    }
    impl->tmpl.set_custom_escape([](const std::string& s) { return s; });  // plain text
    return MessageTemplate(std::move(impl));
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(StrCat("template: ", e.what()));
  }
}

std::string MessageTemplate::Render(const Notification& n) const {
  const mu::data model = Model(n);
  std::lock_guard lock(impl_->mu);
  try {
    return impl_->tmpl.render(model);
  } catch (const std::exception& e) {
    return StrCat("(template ", impl_->name, " failed: ", e.what(), ")");
  }
}

const std::string& MessageTemplate::name() const { return impl_->name; }

std::string_view DefaultSubjectSource() { return kSubject; }
std::string_view DefaultBodySource() { return kBody; }

namespace {
MessageTemplate CompileBuiltin(std::string name, std::string_view source) {
  auto t = MessageTemplate::Compile(std::move(name), source);
  if (!t.ok()) std::abort();  // a built-in template is covered by tests
  return *std::move(t);
}
}  // namespace

MessageTemplate DefaultSubject() { return CompileBuiltin("default subject", kSubject); }
MessageTemplate DefaultBody() { return CompileBuiltin("default body", kBody); }

}  // namespace vigie::daemon::notify
