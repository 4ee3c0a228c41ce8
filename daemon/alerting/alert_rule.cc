#include "daemon/alerting/alert_rule.h"

#include <algorithm>
#include <optional>
#include <unordered_set>
#include <utility>

#include "absl/status/status.h"
#include "common/strings.h"

namespace vigie::daemon {
namespace {

constexpr uint32_t kFlapMask = (1u << kFlapWindow) - 1;

using CompiledTemplates = std::vector<std::pair<std::string, rules::Template>>;

absl::StatusOr<CompiledTemplates> Compile(const std::map<std::string, std::string>& templates,
                                          std::string_view what) {
  CompiledTemplates out;
  for (const auto& [name, text] : templates) {
    auto t = rules::Template::Parse(text);
    if (!t.ok()) {
      return absl::InvalidArgumentError(
          StrCat(what, " \"", name, "\": ", StatusMessage(t.status())));
    }
    out.emplace_back(name, std::move(*t));
  }
  return out;
}

bool LabelsLess(const Alert& a, const Alert& b) { return a.labels < b.labels; }

void SetLabel(Labels& labels, std::string_view name, std::string value) {
  for (Label& l : labels) {
    if (l.name == name) {
      l.value = std::move(value);
      return;
    }
  }
  labels.push_back({std::string(name), std::move(value)});
}

}  // namespace

const char* AlertEventTypeName(AlertEventType t) {
  switch (t) {
    case AlertEventType::kPending:
      return "pending";
    case AlertEventType::kFiring:
      return "firing";
    case AlertEventType::kResolved:
      return "resolved";
    case AlertEventType::kFlappingStarted:
      return "flapping_started";
    case AlertEventType::kFlappingStopped:
      return "flapping_stopped";
  }
  return "unknown";
}

double FlapPercent(uint32_t history, int filled) {
  if (filled <= 1) return 0;
  filled = std::min(filled, kFlapWindow);
  // Position i in the window runs from 0 (oldest) to kFlapWindow - 1 (newest);
  // the change between positions i - 1 and i weighs 0.8 + 0.4 (i - 1) / 19.
  double changes = 0;
  for (int i = kFlapWindow - filled + 1; i < kFlapWindow; ++i) {
    int age = kFlapWindow - 1 - i;  // bit index of position i
    bool now = (history >> age) & 1u;
    bool before = (history >> (age + 1)) & 1u;
    if (now != before) changes += 0.8 + 0.4 * (i - 1) / (kFlapWindow - 2);
  }
  return changes * 100.0 / (kFlapWindow - 1);
}

AlertRule::AlertRule(AlertRuleConfig config, AlertRuleOptions options, CompiledTemplates labels,
                     CompiledTemplates annotations)
    : config_(std::move(config)),
      options_(std::move(options)),
      label_templates_(std::move(labels)),
      annotation_templates_(std::move(annotations)) {}

absl::StatusOr<AlertRule> AlertRule::Create(AlertRuleConfig config, AlertRuleOptions options) {
  auto labels = Compile(config.labels, "label");
  if (!labels.ok()) return labels.status();
  auto annotations = Compile(config.annotations, "annotation");
  if (!annotations.ok()) return annotations.status();
  return AlertRule(std::move(config), std::move(options), std::move(*labels),
                   std::move(*annotations));
}

bool AlertScope::Contains(const Labels& labels) const {
  return std::any_of(labels.begin(), labels.end(),
                     [&](const Label& l) { return l.name == label && l.value == value; });
}

absl::StatusOr<AlertRuleEval> AlertRule::Eval(int64_t t_ms, std::span<const ResultSample> result) {
  return EvalIn(t_ms, result, nullptr);
}

absl::StatusOr<AlertRuleEval> AlertRule::EvalPartial(int64_t t_ms,
                                                     std::span<const ResultSample> result,
                                                     const AlertScope& scope) {
  return EvalIn(t_ms, result, &scope);
}

absl::StatusOr<AlertRuleEval> AlertRule::EvalIn(int64_t t_ms, std::span<const ResultSample> result,
                                                const AlertScope* scope) {
  auto in_scope = [scope](const Alert& a) { return scope == nullptr || scope->Contains(a.labels); };
  // 1. The alerts the result asks for, with expanded labels and annotations.
  std::vector<Alert> wanted;
  wanted.reserve(result.size());
  std::unordered_set<uint64_t> seen;
  for (const ResultSample& s : result) {
    Alert a;
    a.rule = config_.name;
    a.group = options_.group;
    for (const Label& l : *s.metric) {
      if (l.name != "__name__") a.labels.push_back(l);
    }
    for (const auto& [name, tmpl] : label_templates_) {
      SetLabel(a.labels, name, tmpl.Expand(*s.metric, s.value));
    }
    SetLabel(a.labels, "alertname", config_.name);
    std::sort(a.labels.begin(), a.labels.end());
    for (const auto& [name, tmpl] : annotation_templates_) {
      a.annotations[name] = tmpl.Expand(*s.metric, s.value);
    }
    a.value = s.value;
    if (!in_scope(a)) {
      return absl::InvalidArgumentError(
          StrCat("alert \"", config_.name, "\": ", FormatSeries("", a.labels),
                 " is outside the scope ", scope->label, "=\"", scope->value, "\""));
    }
    a.fingerprint = Fingerprint("", a.labels);
    if (!seen.insert(a.fingerprint).second) {
      return absl::InvalidArgumentError(
          StrCat("alert \"", config_.name,
                 "\": vector contains metrics with the same labelset after applying alert "
                 "labels: ",
                 FormatSeries("", a.labels)));
    }
    wanted.push_back(std::move(a));
  }

  AlertRuleEval out;
  for (auto& [fp, e] : active_) e.present = false;  // out of the scope: not looked at below
  std::unordered_set<uint64_t> started;
  for (Alert& a : wanted) {
    auto it = active_.find(a.fingerprint);
    if (it != active_.end() && it->second.alert.state != AlertState::kResolved) {
      it->second.alert.value = a.value;
      it->second.alert.annotations = std::move(a.annotations);
      it->second.present = true;
      continue;
    }
    // New, or back after a resolution: a new alert starts.
    a.state = AlertState::kPending;
    a.active_at_ms = t_ms;
    started.insert(a.fingerprint);
    uint64_t fp = a.fingerprint;
    active_[fp] = Entry{std::move(a), std::nullopt, true};
  }

  // 2. Transitions, as Prometheus' AlertingRule.Eval.
  const int64_t hold_ms = config_.for_duration.count();
  const int64_t keep_ms = config_.keep_firing_for.count();
  const int64_t retention_ms = options_.resolved_retention.count();
  uint64_t num_active = 0;
  for (auto it = active_.begin(); it != active_.end();) {
    Entry& e = it->second;
    Alert& a = e.alert;
    if (!in_scope(a)) {
      // Left as it is; counted as its last evaluation left it.
      if (a.state != AlertState::kResolved) ++num_active;
      ++it;
      continue;
    }
    if (!e.present) {
      bool keep_firing = false;
      if (a.state == AlertState::kFiring && keep_ms > 0) {
        if (!e.keep_firing_since_ms) e.keep_firing_since_ms = t_ms;
        keep_firing = t_ms - *e.keep_firing_since_ms < keep_ms;
      }
      if (a.state == AlertState::kPending ||
          (a.state == AlertState::kResolved && t_ms - a.resolved_at_ms > retention_ms)) {
        it = active_.erase(it);
        continue;
      }
      if (!keep_firing) {
        if (a.state == AlertState::kFiring) {
          a.state = AlertState::kResolved;
          a.resolved_at_ms = t_ms;
          a.last_eval_ms = t_ms;
          out.events.push_back({AlertEventType::kResolved, a});
        }
        ++it;
        continue;
      }
    } else {
      e.keep_firing_since_ms.reset();
    }
    ++num_active;
    a.last_eval_ms = t_ms;
    if (a.state == AlertState::kPending && t_ms - a.active_at_ms >= hold_ms) {
      a.state = AlertState::kFiring;
      a.fired_at_ms = t_ms;
      out.events.push_back({AlertEventType::kFiring, a});
    } else if (started.contains(it->first)) {
      out.events.push_back({AlertEventType::kPending, a});
    }
    ++it;
  }

  if (options_.limit > 0 && num_active > options_.limit) {
    active_.clear();
    flaps_.clear();
    return absl::ResourceExhaustedError(StrCat("alert \"", config_.name, "\": exceeded limit of ",
                                               options_.limit, " with ", num_active, " alerts"));
  }

  UpdateFlapping(t_ms, scope, out);

  if (scope == nullptr) {
    out.alerts = ActiveAlerts();
  } else {
    for (const auto& [fp, e] : active_) {
      if (in_scope(e.alert)) out.alerts.push_back(e.alert);
    }
    std::sort(out.alerts.begin(), out.alerts.end(), LabelsLess);
  }
  std::stable_sort(
      out.events.begin(), out.events.end(),
      [](const AlertEvent& x, const AlertEvent& y) { return LabelsLess(x.alert, y.alert); });
  return out;
}

void AlertRule::UpdateFlapping(int64_t t_ms, const AlertScope* scope, AlertRuleEval& out) {
  for (const auto& [fp, e] : active_) {
    if (scope != nullptr && !scope->Contains(e.alert.labels)) continue;
    if (!flaps_.contains(fp) && e.alert.state == AlertState::kFiring) flaps_[fp] = Flap{};
  }
  for (auto it = flaps_.begin(); it != flaps_.end();) {
    Flap& f = it->second;
    auto active = active_.find(it->first);
    if (scope != nullptr &&
        !scope->Contains(active != active_.end() ? active->second.alert.labels : f.last.labels)) {
      ++it;  // another scope's history: not this evaluation's state
      continue;
    }
    bool firing = active != active_.end() && active->second.alert.state == AlertState::kFiring;
    const uint32_t state = firing ? 1u : 0u;
    int shift = 1;
    if (const int64_t slot_ms = options_.flap_slot.count(); slot_ms > 0) {
      const int64_t slot = t_ms / slot_ms;
      shift =
          f.filled == 0 ? 1 : static_cast<int>(std::clamp<int64_t>(slot - f.slot, 0, kFlapWindow));
      if (shift > 0) f.slot = slot;
    }
    if (shift == 0) {
      f.history = (f.history & ~1u) | state;  // same slot: the latest state wins
    } else {
      const uint32_t previous = f.history & 1u;
      for (int i = 1; i < shift; ++i) f.history = (f.history << 1) | previous;
      f.history = ((f.history << 1) | state) & kFlapMask;
      f.filled = std::min(f.filled + shift, kFlapWindow);
      f.hold = std::max(f.hold - shift, 0);
    }
    if (active != active_.end()) f.last = active->second.alert;
    double percent = FlapPercent(f.history, f.filled);
    std::optional<AlertEventType> event;
    if (!f.flapping && percent > options_.flap_high_percent) {
      f.flapping = true;
      event = AlertEventType::kFlappingStarted;
    } else if (f.flapping && f.hold == 0 && percent < options_.flap_low_percent) {
      f.flapping = false;
      event = AlertEventType::kFlappingStopped;
    }
    f.last.flapping = f.flapping;
    if (active != active_.end()) active->second.alert.flapping = f.flapping;
    if (event) {
      f.last.last_eval_ms = t_ms;
      out.events.push_back({*event, f.last});
    }
    // A quiet window without an alert carries no information: forget it.
    if (!f.flapping && f.history == 0 && active == active_.end()) {
      it = flaps_.erase(it);
    } else {
      ++it;
    }
  }
}

size_t AlertRule::Restore(const std::vector<Alert>& alerts) {
  size_t n = 0;
  for (const Alert& in : alerts) {
    if (in.rule != config_.name || (!in.group.empty() && in.group != options_.group)) continue;
    if (in.state == AlertState::kInactive) continue;
    Alert a = in;
    a.fingerprint = Fingerprint("", a.labels);
    if (a.flapping) {
      Flap f;
      f.flapping = true;
      f.hold = kFlapWindow;
      f.last = a;
      flaps_[a.fingerprint] = std::move(f);
    }
    uint64_t fp = a.fingerprint;
    active_[fp] = Entry{std::move(a), std::nullopt, false};
    ++n;
  }
  return n;
}

std::vector<Alert> AlertRule::ActiveAlerts() const {
  std::vector<Alert> out;
  out.reserve(active_.size());
  for (const auto& [fp, e] : active_) out.push_back(e.alert);
  std::sort(out.begin(), out.end(), LabelsLess);
  return out;
}

}  // namespace vigie::daemon
