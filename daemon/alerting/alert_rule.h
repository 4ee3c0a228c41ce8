// AlertRule: the state machine of one alerting rule, as Prometheus'
// AlertingRule, plus Nagios/Icinga-style flap detection.
//
// The rule never evaluates its expression nor reads a clock: the caller
// evaluates the expression at time t (the PromQL engine's instant vector) and
// hands the result to Eval(t, result). Eval returns the rule's active alerts
// and the transitions of this evaluation; the rule knows nothing of routing or
// notifiers.
//
// Lifecycle of one alert, keyed by the fingerprint of its labels (the result
// sample's labels minus __name__, plus the rule's labels, plus alertname):
//   absent  -> pending  when the series appears (for > 0); event kPending
//   absent  -> firing   when the series appears and for == 0; event kFiring
//   pending -> firing   once it has been present for `for`; event kFiring
//   pending -> dropped  when the series disappears (no event: never notified)
//   firing  -> firing   while absent for less than `keep_firing_for`
//   firing  -> resolved when absent (after keep_firing_for); event kResolved
//   resolved is kept `resolved_retention` after resolution, then dropped; if the
//   series comes back meanwhile, a new alert starts (pending or firing).
// Flap detection, per fingerprint: a window of the last 21 states (firing or
// not), one per evaluation or, with `flap_slot` > 0, one per slot of wall time
// (the latest state in the slot; slots without evaluation repeat the previous
// state), so that evaluating on every batch does not shrink the window; the
// weighted percentage of state changes (oldest change weight 0.8, newest 1.2,
// as Nagios); flapping starts above `flap_high_percent` and stops below
// `flap_low_percent`, with one kFlappingStarted/kFlappingStopped event.
//
// Partial evaluation (EvalPartial): the result of an expression evaluated for
// one host only (RuleManager, on a host's batch) updates only the alerts of that
// scope, i.e. whose labels have `host` = h; the others keep their state, times,
// keep_firing_for and flap history as they are, and still count against `limit`.
//
// Thread-safety: none; one owner (the rule group's evaluation) calls it. Const
// methods may run concurrently with each other.
#pragma once

#include <chrono>
#include <cstdint>
#include <iterator>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "absl/status/statusor.h"
#include "common/labels.h"
#include "daemon/alerting/alert.h"
#include "daemon/rules/template.h"

namespace vigie::daemon {

// One alerting rule as written in a rule file (Prometheus' rulefmt.Rule).
struct AlertRuleConfig {
  std::string name;  // `alert:`
  std::string expr;  // for display; evaluated by the caller
  std::chrono::milliseconds for_duration{0};
  std::chrono::milliseconds keep_firing_for{0};
  std::map<std::string, std::string> labels;       // values are templates
  std::map<std::string, std::string> annotations;  // values are templates
  std::string file;  // where it was defined, for messages ("" when built in code)
  int line = 0;
};

struct AlertRuleOptions {
  std::string group;   // rule group name, copied into every Alert
  uint64_t limit = 0;  // max alerts (pending + firing) per evaluation; 0 = none
  std::chrono::milliseconds resolved_retention = std::chrono::minutes(15);
  double flap_high_percent = 50;
  double flap_low_percent = 25;
  // Wall time per flap-history state; 0 = one state per evaluation. vigied
  // sets it to the group's interval.
  std::chrono::milliseconds flap_slot{0};
};

enum class AlertEventType { kPending, kFiring, kResolved, kFlappingStarted, kFlappingStopped };
const char* AlertEventTypeName(AlertEventType t);  // "pending", "firing", ...

struct AlertEvent {
  AlertEventType type;
  Alert alert;  // the alert after the transition
};

struct AlertRuleEval {
  std::vector<Alert> alerts;  // active: pending, firing, resolved-kept; by labels
  std::vector<AlertEvent> events;
};

// One sample of the expression's result; points into the caller's vector.
struct ResultSample {
  const Labels* metric;  // may include __name__
  double value;
};

// The alerts one partial evaluation may change: those whose labels have
// `label` = `value` (e.g. host="db1"). Views: the strings must outlive the call.
struct AlertScope {
  std::string_view label;
  std::string_view value;
  bool Contains(const Labels& labels) const;
};

// Flap window and weights (Nagios: 21 states, i.e. 20 possible changes).
inline constexpr int kFlapWindow = 21;
// Weighted percent state change of a window given as bits (bit 0 = newest
// state, 1 = firing) of which `filled` are known; unknown older states are taken
// equal to the oldest known one.
double FlapPercent(uint32_t history, int filled);

class AlertRule {
 public:
  // Compiles the label and annotation templates. Errors are InvalidArgument
  // naming the label or annotation.
  static absl::StatusOr<AlertRule> Create(AlertRuleConfig config, AlertRuleOptions options);

  // Evaluates the rule at `t_ms` on the expression's result at that time.
  // Errors (state unchanged): two samples giving the same alert labels.
  // Error (all state dropped, as Prometheus): more alerts than `limit`.
  absl::StatusOr<AlertRuleEval> Eval(int64_t t_ms, std::span<const ResultSample> result);

  // Same, for any range of samples with `metric` (Labels) and `value` members,
  // e.g. promql::Vector, without copying labels.
  template <typename SampleRange>
  absl::StatusOr<AlertRuleEval> EvalVector(int64_t t_ms, const SampleRange& result) {
    std::vector<ResultSample> view;
    view.reserve(std::size(result));
    for (const auto& s : result) view.push_back({&s.metric, s.value});
    return Eval(t_ms, view);
  }

  // Eval() restricted to the alerts in `scope` (their labels have scope.label =
  // scope.value): `result` must hold only samples whose alerts are in the scope
  // (InvalidArgument otherwise, state unchanged), e.g. the expression evaluated
  // with host="h" added to every selector. Alerts outside the scope are left as
  // they are (not dropped, resolved nor aged, flap history untouched); they count
  // against `limit`, which drops all state as Eval() does. Returns the scope's
  // active alerts and the transitions of this evaluation.
  absl::StatusOr<AlertRuleEval> EvalPartial(int64_t t_ms, std::span<const ResultSample> result,
                                            const AlertScope& scope);

  template <typename SampleRange>
  absl::StatusOr<AlertRuleEval> EvalVectorPartial(int64_t t_ms, const SampleRange& result,
                                                  const AlertScope& scope) {
    std::vector<ResultSample> view;
    view.reserve(std::size(result));
    for (const auto& s : result) view.push_back({&s.metric, s.value});
    return EvalPartial(t_ms, view, scope);
  }

  // Takes back alerts persisted before a restart (others' alerts and inactive
  // ones are ignored). They keep their state and times: a firing alert keeps
  // fired_at and is not announced again, a pending one keeps active_at so its
  // `for` counts from before the restart, a resolved one is still retained (its
  // resolution is already in its state). A flapping alert stays flapping at
  // least one full window. Returns how many were taken.
  size_t Restore(const std::vector<Alert>& alerts);

  // Active alerts (pending, firing, resolved-kept), sorted by labels.
  std::vector<Alert> ActiveAlerts() const;
  // Their number, without copying them.
  size_t ActiveCount() const { return active_.size(); }

  const AlertRuleConfig& config() const { return config_; }
  const AlertRuleOptions& options() const { return options_; }

 private:
  struct Flap {
    uint32_t history = 0;  // bit 0 = newest evaluation; 1 = firing
    int filled = 0;        // known evaluations, up to kFlapWindow
    bool flapping = false;
    int64_t slot = 0;  // slot of the newest state (when flap_slot > 0)
    int hold = 0;      // states before flapping may stop (after Restore)
    Alert last;        // latest state of the alert, for events after it was dropped
  };
  struct Entry {
    Alert alert;
    std::optional<int64_t> keep_firing_since_ms;  // first absence while firing
    bool present = false;                         // in the current result
  };

  AlertRule(AlertRuleConfig config, AlertRuleOptions options,
            std::vector<std::pair<std::string, rules::Template>> labels,
            std::vector<std::pair<std::string, rules::Template>> annotations);

  // `scope`: nullptr for a full evaluation.
  absl::StatusOr<AlertRuleEval> EvalIn(int64_t t_ms, std::span<const ResultSample> result,
                                       const AlertScope* scope);
  void UpdateFlapping(int64_t t_ms, const AlertScope* scope, AlertRuleEval& out);

  // Constant after construction.
  AlertRuleConfig config_;
  AlertRuleOptions options_;
  std::vector<std::pair<std::string, rules::Template>> label_templates_;
  std::vector<std::pair<std::string, rules::Template>> annotation_templates_;

  // Evaluation state, keyed by alert fingerprint.
  std::unordered_map<uint64_t, Entry> active_;
  std::unordered_map<uint64_t, Flap> flaps_;
};

}  // namespace vigie::daemon
