#include "daemon/notify/notification.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "common/labels.h"
#include "common/strings.h"
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
    case NotificationKind::kHandoff:
      return "handoff";
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
  if (n.incident_id != 0) j["incident"] = n.incident_id;
  if (!n.recipient.empty()) {
    j["recipient"] = {{"name", n.recipient.name},
                      {"email", n.recipient.email},
                      {"phone", n.recipient.phone},
                      {"chat", n.recipient.chat}};
  }
  // Replace invalid UTF-8 rather than throw: alert text comes from agents.
  return j.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string EncodeNotification(const Notification& n) {
  nlohmann::json j;
  j["receiver"] = n.receiver;
  j["group_key"] = n.group_key;
  j["group_labels"] = n.group_labels;
  j["common_labels"] = n.common_labels;
  j["common_annotations"] = n.common_annotations;
  j["kind"] = NotificationKindName(n.kind);
  j["sequence"] = n.sequence;
  j["idempotency_key"] = n.idempotency_key;
  j["external_url"] = n.external_url;
  j["ack_url"] = n.ack_url;
  j["incident_id"] = n.incident_id;
  j["recipient"] = {{"name", n.recipient.name},
                    {"email", n.recipient.email},
                    {"phone", n.recipient.phone},
                    {"chat", n.recipient.chat}};
  auto alerts = nlohmann::json::array();
  for (const Alert& a : n.alerts) {
    nlohmann::json ja;
    ja["rule"] = a.rule;
    ja["group"] = a.group;
    ja["labels"] = LabelsToMap(a.labels);
    ja["annotations"] = a.annotations;
    ja["state"] = AlertStateName(a.state);
    // JSON has no Inf/NaN (nlohmann writes null): those go as Prometheus' strings.
    if (std::isfinite(a.value)) {
      ja["value"] = a.value;
    } else {
      ja["value"] = std::isnan(a.value) ? "NaN" : (a.value > 0 ? "+Inf" : "-Inf");
    }
    ja["active_at_ms"] = a.active_at_ms;
    ja["fired_at_ms"] = a.fired_at_ms;
    ja["resolved_at_ms"] = a.resolved_at_ms;
    ja["last_eval_ms"] = a.last_eval_ms;
    ja["flapping"] = a.flapping;
    ja["fingerprint"] = FingerprintHex(a.fingerprint);
    alerts.push_back(std::move(ja));
  }
  j["alerts"] = std::move(alerts);
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

absl::StatusOr<Notification> DecodeNotification(std::string_view text) {
  auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return absl::InvalidArgumentError("notification: not a JSON object");
  try {
    Notification n;
    n.receiver = j.at("receiver").get<std::string>();
    n.group_key = j.at("group_key").get<std::string>();
    n.group_labels = j.at("group_labels").get<StringMap>();
    n.common_labels = j.at("common_labels").get<StringMap>();
    n.common_annotations = j.at("common_annotations").get<StringMap>();
    const auto kind = j.at("kind").get<std::string>();
    if (kind == "firing") {
      n.kind = NotificationKind::kFiring;
    } else if (kind == "resolved") {
      n.kind = NotificationKind::kResolved;
    } else if (kind == "flapping") {
      n.kind = NotificationKind::kFlapping;
    } else if (kind == "handoff") {
      n.kind = NotificationKind::kHandoff;
    } else {
      return absl::InvalidArgumentError(StrCat("notification: unknown kind \"", kind, "\""));
    }
    n.sequence = j.at("sequence").get<uint64_t>();
    n.idempotency_key = j.at("idempotency_key").get<std::string>();
    n.external_url = j.at("external_url").get<std::string>();
    n.ack_url = j.at("ack_url").get<std::string>();
    n.incident_id = j.value("incident_id", int64_t{0});
    if (j.contains("recipient")) {
      const auto& r = j.at("recipient");
      n.recipient = {r.at("name").get<std::string>(), r.at("email").get<std::string>(),
                     r.at("phone").get<std::string>(), r.at("chat").get<std::string>()};
    }
    for (const auto& ja : j.at("alerts")) {
      Alert a;
      a.rule = ja.at("rule").get<std::string>();
      a.group = ja.at("group").get<std::string>();
      for (const auto& [k, v] : ja.at("labels").items())
        a.labels.push_back({k, v.get<std::string>()});
      a.annotations = ja.at("annotations").get<StringMap>();
      const auto state = ParseAlertState(ja.at("state").get<std::string>());
      if (!state) return absl::InvalidArgumentError("notification: bad alert state");
      a.state = *state;
      const auto& value = ja.at("value");
      if (value.is_string()) {
        const auto v = value.get<std::string>();
        if (v == "NaN") {
          a.value = std::numeric_limits<double>::quiet_NaN();
        } else if (v == "+Inf" || v == "-Inf") {
          a.value = (v[0] == '+' ? 1 : -1) * std::numeric_limits<double>::infinity();
        } else {
          return absl::InvalidArgumentError(StrCat("notification: bad alert value \"", v, "\""));
        }
      } else {
        a.value = value.get<double>();
      }
      a.active_at_ms = ja.at("active_at_ms").get<int64_t>();
      a.fired_at_ms = ja.at("fired_at_ms").get<int64_t>();
      a.resolved_at_ms = ja.at("resolved_at_ms").get<int64_t>();
      a.last_eval_ms = ja.at("last_eval_ms").get<int64_t>();
      a.flapping = ja.at("flapping").get<bool>();
      a.fingerprint = std::stoull(ja.at("fingerprint").get<std::string>(), nullptr, 16);
      n.alerts.push_back(std::move(a));
    }
    return n;
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(StrCat("notification: ", e.what()));
  }
}

}  // namespace vigie::daemon::notify
