// RuleManager: schedules and runs the evaluation of vigied's alerting rule groups.
//
// Contract:
// - It owns one AlertRule (daemon/alerting/alert_rule.h) per rule and evaluates each rule's
//   expression with promql::EvalInstant over an injected promql::Queryable (StateQueryable in
//   vigied, MemoryQueryable in tests). After every evaluation of a group (or of part of it) it
//   hands the group's active alerts and the transitions to an injected AlertSink: it knows
//   nothing of routing, silences or notifiers (STYLE.md, Prometheus `rules/`).
// - It has no thread and reads no clock for its decisions: the owner passes `now_ms` to every
//   call and sleeps until the time EvaluateDue()/EvaluateForHost() return. (Only the evaluation
//   duration shown by Status() is measured, with std::chrono::steady_clock.)
// - Timer: a group is evaluated at the times `offset + k * interval`, where `offset` is a stable
//   hash of the group's name modulo its interval, as Prometheus aligns groups so that they do
//   not all evaluate at once. The first evaluation is at the first aligned time >= the time the
//   group was added (Create()/ReplaceGroups()). A group whose time has come is evaluated once
//   at its latest aligned time <= now (missed slots are counted, not replayed); its rules in
//   order, each at max(that time, the rule's previous evaluation time) so that a rule's time
//   never goes backwards after an EvaluateForHost().
// - Batch arrival (DESIGN.md §4): EvaluateForHost(host, now) evaluates at `now`, right away,
//   every rule whose expression may read that host's series, i.e. with at least one selector
//   whose `host` matchers accept the host (a selector without one reads every host).
//   - A host-separable rule (promql::IsHostSeparable: its result for a host depends only on
//     that host's series and keeps its `host` label; and no rule label sets `host`) is
//     evaluated for that host only: `host="<host>"` is added to every selector
//     (EvalOptions::selector_matchers) and AlertRule::EvalPartial updates only the alerts
//     labelled host="<host>"; the other hosts' alerts are left untouched (state, times,
//     keep_firing_for, flap history). It reads only that host's series. Per host, these
//     host-scoped evaluations are rate-limited to one per `min_host_eval_interval` (a burst
//     of batches from one host; other hosts are not delayed). The default rules are all
//     host-separable.
//   - Any other rule is evaluated fully (other hosts' alerts keep their state). Per rule, these
//     evaluations are rate-limited to one per `min_host_eval_interval`.
//   In both cases a trigger inside the window is not dropped but deferred to the window's end,
//   and run by EvaluateDue() (a full evaluation by the timer meanwhile also covers a deferred
//   full one).
//   Either way the sink then receives the group's whole active list, as after a timer
//   evaluation, with this evaluation's transitions. The timer always evaluates fully.
// - Errors: a rule whose evaluation fails (PromQL error, non-vector result, alert limit...)
//   keeps its previous alert state (except on a limit error, which drops it, as Prometheus)
//   and is reported by Status() (health, last error, error count); the others still run.
// - Reload: ReplaceGroups() keeps the state of the rules found in both sets (same group name,
//   alert name and expression text; duplicates matched in order) through AlertRule::Restore();
//   new rules start empty; the firing alerts of removed rules get a final kResolved event.
//
// Thread-safety: none. The owner's single thread calls every method; the queryable and the
// sink are called from inside those calls, on that thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/status/statusor.h"
#include "daemon/alerting/alert.h"
#include "daemon/alerting/alert_rule.h"
#include "daemon/rules/promql/promql.h"
#include "daemon/rules/rule_file.h"

namespace vigie::daemon::rules {

// Receives the outcome of every group evaluation. Implemented by the daemon (alert store,
// routing); a recording fake in tests.
class AlertSink {
 public:
  virtual ~AlertSink() = default;
  // `active`: every active alert (pending, firing, resolved-kept) of the group's rules after
  // this evaluation, in rule order then by labels; empty when the group was removed.
  // `events`: the transitions of this evaluation (may be empty). `t_ms`: evaluation time.
  virtual void OnEvaluated(const std::string& group, const std::vector<Alert>& active,
                           const std::vector<AlertEvent>& events, int64_t t_ms) = 0;
};

struct RuleManagerOptions {
  promql::EvalOptions eval;
  // Minimum time between two host-triggered evaluations of one rule.
  std::chrono::milliseconds min_host_eval_interval = std::chrono::seconds(1);
  // Base options of every AlertRule (retention, flap thresholds). `group`, `limit` and
  // `flap_slot` are overridden per group: the group's name, limit and interval.
  AlertRuleOptions alert;
};

// What EvaluateDue() returns when nothing is scheduled (no group).
inline constexpr int64_t kNeverMs = std::numeric_limits<int64_t>::max();

enum class RuleHealth { kUnknown, kOk, kErr };  // unknown: never evaluated
const char* RuleHealthName(RuleHealth h);       // "unknown", "ok", "err"

struct RuleStatus {
  std::string name;  // alert name
  std::string expr;  // as written in the rule file
  RuleHealth health = RuleHealth::kUnknown;
  std::string last_error;  // of the last evaluation; "" when it succeeded
  int64_t last_eval_ms = 0;
  std::chrono::nanoseconds eval_duration{0};  // of the last evaluation
  uint64_t evaluations = 0;
  uint64_t failures = 0;
  uint64_t host_evaluations = 0;  // of `evaluations`, those triggered by a host's batch
  size_t active_alerts = 0;       // pending + firing + resolved-kept
};

struct GroupStatus {
  std::string name;
  std::string file;
  std::chrono::milliseconds interval{0};
  int64_t last_eval_ms = 0;                   // of the timer
  int64_t next_eval_ms = 0;                   // of the timer
  std::chrono::nanoseconds eval_duration{0};  // of the last timer evaluation
  uint64_t missed = 0;                        // aligned times skipped because called late
  std::vector<RuleStatus> rules;
};

// The groups of the loaded rule files, in file order (e.g. DaemonConfig::rules).
std::vector<RuleGroup> FlattenGroups(const std::vector<RuleFile>& files);

class RuleManager {
 public:
  // Fails (InvalidArgument naming the group and rule, nothing created) on an expression that
  // does not parse, a template that does not compile or a group interval <= 0. `q` and `sink`
  // must outlive the manager. `now_ms` anchors the first aligned evaluation times.
  static absl::StatusOr<std::unique_ptr<RuleManager>> Create(std::vector<RuleGroup> groups,
                                                             const promql::Queryable& q,
                                                             AlertSink& sink,
                                                             RuleManagerOptions options,
                                                             int64_t now_ms);
  ~RuleManager();
  RuleManager(const RuleManager&) = delete;
  RuleManager& operator=(const RuleManager&) = delete;

  // Evaluates every group whose aligned time has come, and the deferred host-triggered
  // evaluations that are due. Returns when something is next due (kNeverMs if never).
  int64_t EvaluateDue(int64_t now_ms);

  // Evaluates now the rules that may read `host`'s series (see the contract above): the
  // host-separable ones for `host` only, at most once per host per min_host_eval_interval;
  // the others fully, at most once per rule per min_host_eval_interval; later ones deferred.
  // Returns when something is next due, as EvaluateDue().
  int64_t EvaluateForHost(const std::string& host, int64_t now_ms);

  // Reload: replaces every group, keeping the state of unchanged rules. All or nothing: on
  // error (as Create()) the current groups keep running, untouched.
  absl::Status ReplaceGroups(std::vector<RuleGroup> groups, int64_t now_ms);

  // Takes back alerts persisted before a restart: each goes to the rule of its group with
  // its name (AlertRule::Restore: firing stays firing without a new event, pending keeps its
  // `for` start). Then tells the sink of every group that took some, with no events, at
  // `now_ms`. Returns how many alerts were taken; the others (rules gone) are dropped.
  size_t RestoreAlerts(const std::vector<Alert>& alerts, int64_t now_ms);

  // A snapshot, in group and rule order.
  std::vector<GroupStatus> Status() const;

  // When something is next due (kNeverMs if never).
  int64_t NextDueMs() const;

 private:
  struct Rule;
  struct Group;

  RuleManager(const promql::Queryable& q, AlertSink& sink, RuleManagerOptions options);

  absl::StatusOr<std::vector<Group>> Build(std::vector<RuleGroup> groups, int64_t now_ms) const;
  // Evaluates `rule` at `t_ms`, appending its transitions to `events`. With `host`: for that
  // host only (the rule must be host-separable), updating only that host's alerts.
  void EvalRule(Rule& rule, int64_t t_ms, std::vector<AlertEvent>& events,
                const std::string* host = nullptr);
  // EvalRule at `now_ms` as a host-triggered evaluation (rate limit bookkeeping).
  void EvalForHost(Rule& rule, int64_t now_ms, std::vector<AlertEvent>& events);
  void Notify(const Group& group, const std::vector<AlertEvent>& events, int64_t t_ms);

  // Host-scoped evaluations of the host-separable rules, per host: their rate limit.
  struct HostEval {
    int64_t last_ms = 0;                               // of the last one
    std::optional<int64_t> trigger_ms = std::nullopt;  // a batch deferred since then
  };

  const promql::Queryable& q_;
  AlertSink& sink_;
  RuleManagerOptions options_;
  std::vector<Group> groups_;
  std::unordered_map<std::string, HostEval> host_evals_;  // hosts evaluated that way
  std::set<std::string> deferred_hosts_;                  // those with trigger_ms
};

}  // namespace vigie::daemon::rules
