#include "daemon/notify/notification.h"

#include <algorithm>
#include <utility>

#include "common/labels.h"
#include "fmt/chrono.h"
#include "fmt/format.h"
#include "nlohmann/json.hpp"

namespace vigie::daemon::notify {

const char* NotificationKindName(NotificationKind k) {
  switch (k) {
    case NotificationKind::kFiring:
      return "firing";
    case NotificationKind::kResolved:
      return "resolved";
    case NotificationKind::kFlapping:
      return "flapping";
  }
  return "firing";
}

const char* AlertStatus(const Alert& a) {
  return a.state == AlertState::kResolved || a.state == AlertState::kInactive ? "resolved"
                                                                              : "firing";
}

const char* NotificationStatus(const Notification& n) {
  return n.kind == NotificationKind::kResolved ? "resolved" : "firing";
}

std::string IdempotencyKey(const std::string& group_key, const std::vector<Alert>& alerts,
                           uint64_t sequence) {
  std::vector<std::pair<uint64_t, AlertState>> parts;
  parts.reserve(alerts.size());
  for (const auto& a : alerts) parts.emplace_back(a.fingerprint, a.state);
  std::sort(parts.begin(), parts.end());
  FingerprintBuilder b;
  b.Add("vigie-notification-v1");
  b.Add(group_key);
  for (const auto& [fp, state] : parts) {
    b.Add(FingerprintHex(fp));
    b.Add(AlertStateName(state));
  }
  b.Add(fmt::format("{}", sequence));
  return fmt::format("{:016x}-{}", b.value(), sequence);
}

std::string FingerprintHex(uint64_t fingerprint) { return fmt::format("{:016x}", fingerprint); }

StringMap LabelsToMap(const Labels& labels) {
  StringMap out;
  for (const auto& l : labels) out[l.name] = l.value;
  return out;
}

namespace {

// Pairs present with the same value in every map.
StringMap Intersect(const std::vector<StringMap>& maps) {
  if (maps.empty()) return {};
  StringMap out = maps.front();
  for (size_t i = 1; i < maps.size(); ++i) {
    for (auto it = out.begin(); it != out.end();) {
      auto f = maps[i].find(it->first);
      it = (f == maps[i].end() || f->second != it->second) ? out.erase(it) : std::next(it);
    }
  }
  return out;
}

}  // namespace

Notification MakeNotification(std::string receiver, std::string group_key, StringMap group_labels,
                              std::vector<Alert> alerts, uint64_t sequence,
                              std::string external_url) {
  Notification n;
  n.receiver = std::move(receiver);
  n.group_key = std::move(group_key);
  n.group_labels = std::move(group_labels);
  std::vector<StringMap> labels;
  std::vector<StringMap> annotations;
  bool all_resolved = true;
  bool flapping = false;
  for (const auto& a : alerts) {
    labels.push_back(LabelsToMap(a.labels));
    annotations.push_back(a.annotations);
    all_resolved = all_resolved && std::string_view(AlertStatus(a)) == "resolved";
    flapping = flapping || a.flapping;
  }
  n.common_labels = Intersect(labels);
  n.common_annotations = Intersect(annotations);
  n.kind = flapping                            ? NotificationKind::kFlapping
           : (all_resolved && !alerts.empty()) ? NotificationKind::kResolved
                                               : NotificationKind::kFiring;
  n.idempotency_key = IdempotencyKey(n.group_key, alerts, sequence);
  n.alerts = std::move(alerts);
  n.sequence = sequence;
  n.external_url = std::move(external_url);
  return n;
}

std::string FormatRfc3339(int64_t unix_ms) {
  if (unix_ms <= 0) return "0001-01-01T00:00:00Z";
  const std::chrono::sys_time<std::chrono::milliseconds> t{std::chrono::milliseconds(unix_ms)};
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03}Z", std::chrono::floor<std::chrono::seconds>(t),
                     unix_ms % 1000);
}

std::string NotificationJson(const Notification& n, int indent) {
  nlohmann::ordered_json j;
  j["version"] = "1";
  j["status"] = NotificationStatus(n);
  j["receiver"] = n.receiver;
  j["groupKey"] = n.group_key;
  j["groupLabels"] = n.group_labels;
  j["commonLabels"] = n.common_labels;
  j["commonAnnotations"] = n.common_annotations;
  j["externalURL"] = n.external_url;
  auto alerts = nlohmann::ordered_json::array();
  for (const auto& a : n.alerts) {
    nlohmann::ordered_json ja;
    ja["status"] = AlertStatus(a);
    ja["labels"] = LabelsToMap(a.labels);
    ja["annotations"] = a.annotations;
    ja["startsAt"] = FormatRfc3339(a.fired_at_ms > 0 ? a.fired_at_ms : a.active_at_ms);
    ja["endsAt"] = FormatRfc3339(a.resolved_at_ms);
    ja["fingerprint"] = FingerprintHex(a.fingerprint);
    ja["value"] = a.value;
    ja["flapping"] = a.flapping;
    alerts.push_back(std::move(ja));
  }
  j["alerts"] = std::move(alerts);
  j["idempotencyKey"] = n.idempotency_key;
  j["sequence"] = n.sequence;
  j["ackURL"] = n.ack_url;
  j["flapping"] = n.kind == NotificationKind::kFlapping;
  // Replace invalid UTF-8 rather than throw: alert text comes from agents.
  return j.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace vigie::daemon::notify
