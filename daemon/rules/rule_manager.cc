#include "daemon/rules/rule_manager.h"

#include <algorithm>
#include <deque>
#include <iterator>
#include <map>
#include <optional>
#include <set>
#include <tuple>
#include <utility>

#include "common/labels.h"
#include "common/strings.h"
#include "daemon/rules/promql/expr.h"

namespace vigie::daemon::rules {
namespace {

constexpr char kHostLabel[] = "host";

// Non-negative remainder.
int64_t Mod(int64_t a, int64_t m) { return ((a % m) + m) % m; }

// Stable across runs and builds (FNV-1a), unlike std::hash.
int64_t GroupOffsetMs(const std::string& name, int64_t interval_ms) {
  FingerprintBuilder h;
  h.Add(name);
  return static_cast<int64_t>(h.value() % static_cast<uint64_t>(interval_ms));
}

// The `host` matchers of every selector of `expr`, one list per selector.
void CollectHostMatchers(const promql::Expr& expr, std::vector<std::vector<Matcher>>& out) {
  if (expr.kind == promql::ExprKind::kVectorSelector ||
      expr.kind == promql::ExprKind::kMatrixSelector) {
    std::vector<Matcher>& host = out.emplace_back();
    for (const Matcher& m : expr.matchers) {
      if (m.name() == kHostLabel) host.push_back(m);
    }
  }
  for (const promql::ExprPtr& arg : expr.args) CollectHostMatchers(*arg, out);
}

// The instant result of a rule as an alerting rule sees it: a scalar is one sample without
// labels, as in Prometheus' rule query function.
absl::StatusOr<promql::Vector> RuleResult(absl::StatusOr<promql::Value> v, int64_t t_ms) {
  if (!v.ok()) return v.status();
  switch (v->kind) {
    case promql::Value::kVector:
      return std::move(v->vector);
    case promql::Value::kScalar:
      return promql::Vector{{{}, v->scalar, t_ms}};
    default:
      return absl::InvalidArgumentError("rule result is not an instant vector or a scalar");
  }
}

}  // namespace

const char* RuleHealthName(RuleHealth h) {
  switch (h) {
    case RuleHealth::kUnknown:
      return "unknown";
    case RuleHealth::kOk:
      return "ok";
    case RuleHealth::kErr:
      return "err";
  }
  return "unknown";
}

std::vector<RuleGroup> FlattenGroups(const std::vector<RuleFile>& files) {
  std::vector<RuleGroup> out;
  for (const RuleFile& f : files) out.insert(out.end(), f.groups.begin(), f.groups.end());
  return out;
}

struct RuleManager::Rule {
  promql::ExprPtr expr;
  AlertRule alert;
  // `host` matchers per selector, to decide whether a host's batch may change the result.
  std::vector<std::vector<Matcher>> host_matchers = {};
  // The expression is host-separable (promql::IsHostSeparable) and no rule label overrides
  // `host`: a host's batch re-evaluates it for that host only.
  bool host_separable = false;
  RuleStatus status;
  bool evaluated = false;
  std::optional<int64_t> last_host_eval_ms = std::nullopt;
  std::optional<int64_t> host_trigger_ms =
      std::nullopt;  // a host-triggered evaluation deferred since then

  bool MayReadHost(const std::string& host) const {
    return std::any_of(host_matchers.begin(), host_matchers.end(),
                       [&](const std::vector<Matcher>& ms) {
                         return std::all_of(ms.begin(), ms.end(),
                                            [&](const Matcher& m) { return m.Matches(host); });
                       });
  }
  // When the deferred host-triggered evaluation may run (nullopt: none deferred).
  std::optional<int64_t> DeferredDueMs(int64_t min_interval_ms) const {
    if (!host_trigger_ms) return std::nullopt;
    return last_host_eval_ms ? *last_host_eval_ms + min_interval_ms : *host_trigger_ms;
  }
};

struct RuleManager::Group {
  std::string name;
  std::string file;
  int64_t interval_ms = 0;
  int64_t offset_ms = 0;
  int64_t next_eval_ms = 0;
  int64_t last_eval_ms = 0;
  std::chrono::nanoseconds eval_duration{0};
  uint64_t missed = 0;
  std::vector<Rule> rules;
};

RuleManager::RuleManager(const promql::Queryable& q, AlertSink& sink, RuleManagerOptions options)
    : q_(q), sink_(sink), options_(std::move(options)) {}

RuleManager::~RuleManager() = default;

absl::StatusOr<std::unique_ptr<RuleManager>> RuleManager::Create(std::vector<RuleGroup> groups,
                                                                 const promql::Queryable& q,
                                                                 AlertSink& sink,
                                                                 RuleManagerOptions options,
                                                                 int64_t now_ms) {
  std::unique_ptr<RuleManager> m(new RuleManager(q, sink, std::move(options)));
  auto built = m->Build(std::move(groups), now_ms);
  if (!built.ok()) return built.status();
  m->groups_ = std::move(*built);
  return m;
}

absl::StatusOr<std::vector<RuleManager::Group>> RuleManager::Build(std::vector<RuleGroup> groups,
                                                                   int64_t now_ms) const {
  std::vector<Group> out;
  std::string errors;
  auto error = [&](const RuleGroup& g, const std::string& rule, const absl::Status& st) {
    if (!errors.empty()) errors += "\n";
    StrAppend(errors, "group \"", g.name, "\"");
    if (!rule.empty()) StrAppend(errors, ", rule \"", rule, "\"");
    StrAppend(errors, ": ", StatusMessage(st));
  };
  for (RuleGroup& g : groups) {
    Group& group = out.emplace_back();
    group.name = g.name;
    group.file = g.file;
    group.interval_ms = g.interval.count();
    if (group.interval_ms <= 0) {
      error(g, "", absl::InvalidArgumentError("interval must be positive"));
      continue;
    }
    group.offset_ms = GroupOffsetMs(g.name, group.interval_ms);
    group.next_eval_ms = now_ms + Mod(group.offset_ms - now_ms, group.interval_ms);
    AlertRuleOptions opts = options_.alert;
    opts.group = g.name;
    opts.limit = g.limit;
    opts.flap_slot = g.interval;
    for (AlertRuleConfig& config : g.rules) {
      const std::string name = config.name;
      auto expr = promql::ParseExpr(config.expr);
      if (!expr.ok()) {
        error(g, name, expr.status());
        continue;
      }
      RuleStatus status;
      status.name = name;
      status.expr = config.expr;
      const bool host_separable =
          promql::IsHostSeparable(**expr) && !config.labels.contains(kHostLabel);
      auto alert = AlertRule::Create(std::move(config), opts);
      if (!alert.ok()) {
        error(g, name, alert.status());
        continue;
      }
      Rule rule{.expr = std::move(*expr),
                .alert = std::move(*alert),
                .host_separable = host_separable,
                .status = std::move(status)};
      CollectHostMatchers(*rule.expr, rule.host_matchers);
      group.rules.push_back(std::move(rule));
    }
  }
  if (!errors.empty()) return absl::InvalidArgumentError(errors);
  return out;
}

void RuleManager::EvalRule(Rule& rule, int64_t t_ms, std::vector<AlertEvent>& events,
                           const std::string* host) {
  if (rule.evaluated) t_ms = std::max(t_ms, rule.status.last_eval_ms);
  const auto start = std::chrono::steady_clock::now();
  absl::Status st;
  absl::StatusOr<promql::Vector> result;
  if (host == nullptr) {
    result = RuleResult(promql::EvalInstant(*rule.expr, t_ms, q_, options_.eval), t_ms);
  } else {
    // Only `host`'s series: host="..." added to every selector.
    promql::EvalOptions scoped = options_.eval;
    auto m = Matcher::Make(kHostLabel, MatchOp::kEqual, *host);
    if (m.ok()) {
      scoped.selector_matchers.push_back(std::move(*m));
      result = RuleResult(promql::EvalInstant(*rule.expr, t_ms, q_, scoped), t_ms);
    } else {
      result = m.status();
    }
  }
  if (result.ok()) {
    auto eval = host == nullptr
                    ? rule.alert.EvalVector(t_ms, *result)
                    : rule.alert.EvalVectorPartial(t_ms, *result,
                                                   AlertScope{.label = kHostLabel, .value = *host});
    if (eval.ok()) {
      for (AlertEvent& e : eval->events) events.push_back(std::move(e));
      rule.status.active_alerts = rule.alert.ActiveCount();
    } else {
      st = eval.status();
    }
  } else {
    st = result.status();
  }
  RuleStatus& s = rule.status;
  s.eval_duration = std::chrono::steady_clock::now() - start;
  s.last_eval_ms = t_ms;
  ++s.evaluations;
  rule.evaluated = true;
  if (st.ok()) {
    s.health = RuleHealth::kOk;
    s.last_error.clear();
  } else {
    s.health = RuleHealth::kErr;
    s.last_error = StatusMessage(st);
    ++s.failures;
    s.active_alerts = rule.alert.ActiveCount();
  }
  // A full evaluation covers a deferred host-triggered one.
  if (host == nullptr && rule.host_trigger_ms && t_ms >= *rule.host_trigger_ms) {
    rule.host_trigger_ms.reset();
  }
}

void RuleManager::Notify(const Group& group, const std::vector<AlertEvent>& events, int64_t t_ms) {
  std::vector<Alert> active;
  for (const Rule& r : group.rules) {
    std::vector<Alert> alerts = r.alert.ActiveAlerts();
    std::move(alerts.begin(), alerts.end(), std::back_inserter(active));
  }
  sink_.OnEvaluated(group.name, active, events, t_ms);
}

void RuleManager::EvalForHost(Rule& rule, int64_t now_ms, std::vector<AlertEvent>& events) {
  EvalRule(rule, now_ms, events);
  rule.last_host_eval_ms = now_ms;
  ++rule.status.host_evaluations;
}

int64_t RuleManager::EvaluateDue(int64_t now_ms) {
  const int64_t min_ms = options_.min_host_eval_interval.count();
  // Deferred host-scoped evaluations whose window has ended.
  std::vector<std::string> due_hosts;
  for (const std::string& host : deferred_hosts_) {
    if (host_evals_.at(host).last_ms + min_ms <= now_ms) due_hosts.push_back(host);
  }
  for (Group& g : groups_) {
    if (g.next_eval_ms <= now_ms) {
      const int64_t late = (now_ms - g.next_eval_ms) / g.interval_ms;
      g.missed += static_cast<uint64_t>(late);
      const int64_t t_ms = g.next_eval_ms + late * g.interval_ms;
      std::vector<AlertEvent> events;
      const auto start = std::chrono::steady_clock::now();
      for (Rule& r : g.rules) EvalRule(r, t_ms, events);
      g.eval_duration = std::chrono::steady_clock::now() - start;
      g.last_eval_ms = t_ms;
      g.next_eval_ms = t_ms + g.interval_ms;
      Notify(g, events, t_ms);
    }
    // Deferred host-triggered evaluations (those the timer did not cover).
    std::vector<AlertEvent> events;
    bool any = false;
    for (Rule& r : g.rules) {
      std::optional<int64_t> due = r.DeferredDueMs(min_ms);
      if (!due || *due > now_ms) continue;
      EvalForHost(r, now_ms, events);
      any = true;
    }
    for (const std::string& host : due_hosts) {
      for (Rule& r : g.rules) {
        if (!r.host_separable || !r.MayReadHost(host)) continue;
        EvalRule(r, now_ms, events, &host);
        ++r.status.host_evaluations;
        any = true;
      }
    }
    if (any) Notify(g, events, now_ms);
  }
  for (const std::string& host : due_hosts) {
    HostEval& he = host_evals_.at(host);
    he.last_ms = now_ms;
    he.trigger_ms.reset();
    deferred_hosts_.erase(host);
  }
  return NextDueMs();
}

int64_t RuleManager::EvaluateForHost(const std::string& host, int64_t now_ms) {
  const int64_t min_ms = options_.min_host_eval_interval.count();
  auto scoped_it = host_evals_.find(host);
  const bool scoped_now =
      scoped_it == host_evals_.end() || now_ms - scoped_it->second.last_ms >= min_ms;
  bool scoped_rules = false;  // some host-separable rule may read `host`
  for (Group& g : groups_) {
    std::vector<AlertEvent> events;
    bool any = false;
    for (Rule& r : g.rules) {
      if (!r.MayReadHost(host)) continue;
      if (r.host_separable) {
        scoped_rules = true;
        if (scoped_now) {
          EvalRule(r, now_ms, events, &host);  // for `host` only
          ++r.status.host_evaluations;
          any = true;
        }
        continue;
      }
      if (r.last_host_eval_ms && now_ms - *r.last_host_eval_ms < min_ms) {
        if (!r.host_trigger_ms) r.host_trigger_ms = now_ms;
        continue;
      }
      EvalForHost(r, now_ms, events);
      any = true;
    }
    if (any) Notify(g, events, now_ms);
  }
  if (scoped_rules) {
    if (scoped_now) {
      HostEval& he = host_evals_[host];
      he.last_ms = now_ms;
      he.trigger_ms.reset();
      deferred_hosts_.erase(host);
    } else if (!scoped_it->second.trigger_ms) {
      scoped_it->second.trigger_ms = now_ms;
      deferred_hosts_.insert(host);
    }
  }
  return NextDueMs();
}

int64_t RuleManager::NextDueMs() const {
  const int64_t min_ms = options_.min_host_eval_interval.count();
  int64_t next = kNeverMs;
  for (const std::string& host : deferred_hosts_) {
    next = std::min(next, host_evals_.at(host).last_ms + min_ms);
  }
  for (const Group& g : groups_) {
    next = std::min(next, g.next_eval_ms);
    for (const Rule& r : g.rules) {
      if (std::optional<int64_t> due = r.DeferredDueMs(min_ms)) next = std::min(next, *due);
    }
  }
  return next;
}

absl::Status RuleManager::ReplaceGroups(std::vector<RuleGroup> groups, int64_t now_ms) {
  auto built = Build(std::move(groups), now_ms);
  if (!built.ok()) return built.status();
  std::vector<Group> old = std::exchange(groups_, std::move(*built));

  // Old rules by (group, alert name, expression), duplicates in order.
  using Key = std::tuple<std::string, std::string, std::string>;
  std::map<Key, std::deque<Rule*>> old_rules;
  std::map<std::string, const Group*> old_groups;
  for (Group& g : old) {
    old_groups.emplace(g.name, &g);
    for (Rule& r : g.rules) old_rules[{g.name, r.status.name, r.status.expr}].push_back(&r);
  }
  for (Group& g : groups_) {
    auto og = old_groups.find(g.name);
    if (og != old_groups.end() && og->second->interval_ms == g.interval_ms) {
      g.next_eval_ms = og->second->next_eval_ms;
      g.last_eval_ms = og->second->last_eval_ms;
      g.eval_duration = og->second->eval_duration;
      g.missed = og->second->missed;
    }
    for (Rule& r : g.rules) {
      auto it = old_rules.find({g.name, r.status.name, r.status.expr});
      if (it == old_rules.end() || it->second.empty()) continue;
      Rule& o = *it->second.front();
      it->second.pop_front();
      r.alert.Restore(o.alert.ActiveAlerts());
      r.status = o.status;
      r.evaluated = o.evaluated;
      r.last_host_eval_ms = o.last_host_eval_ms;
      r.host_trigger_ms = o.host_trigger_ms;
    }
  }

  // Final resolution of the firing alerts of removed rules, in the old order. The sink hears
  // of every group that lost rules (with its new active alerts, none if it is gone).
  std::set<const Rule*> removed;
  for (const auto& [key, rest] : old_rules) removed.insert(rest.begin(), rest.end());
  for (const Group& og : old) {
    auto g = std::find_if(groups_.begin(), groups_.end(),
                          [&](const Group& x) { return x.name == og.name; });
    std::vector<AlertEvent> events;
    bool changed = g == groups_.end();
    for (const Rule& r : og.rules) {
      if (!removed.contains(&r)) continue;
      changed = true;
      for (Alert& a : r.alert.ActiveAlerts()) {
        if (a.state != AlertState::kFiring) continue;
        a.state = AlertState::kResolved;
        a.resolved_at_ms = now_ms;
        a.last_eval_ms = now_ms;
        events.push_back({AlertEventType::kResolved, std::move(a)});
      }
    }
    if (!changed) continue;
    if (g != groups_.end()) {
      Notify(*g, events, now_ms);
    } else {
      sink_.OnEvaluated(og.name, {}, events, now_ms);
    }
  }
  return absl::OkStatus();
}

size_t RuleManager::RestoreAlerts(const std::vector<Alert>& alerts, int64_t now_ms) {
  std::map<std::pair<std::string, std::string>, std::vector<Alert>> by_rule;
  for (const Alert& a : alerts) by_rule[{a.group, a.rule}].push_back(a);
  size_t taken = 0;
  for (Group& g : groups_) {
    size_t taken_here = 0;
    for (Rule& r : g.rules) {
      auto it = by_rule.find({g.name, r.status.name});
      if (it == by_rule.end()) continue;
      taken_here += r.alert.Restore(it->second);
      by_rule.erase(it);  // duplicated rule names: the first rule takes them
    }
    if (taken_here > 0) Notify(g, {}, now_ms);
    taken += taken_here;
  }
  return taken;
}

std::vector<GroupStatus> RuleManager::Status() const {
  std::vector<GroupStatus> out;
  out.reserve(groups_.size());
  for (const Group& g : groups_) {
    GroupStatus& s = out.emplace_back();
    s.name = g.name;
    s.file = g.file;
    s.interval = std::chrono::milliseconds(g.interval_ms);
    s.last_eval_ms = g.last_eval_ms;
    s.next_eval_ms = g.next_eval_ms;
    s.eval_duration = g.eval_duration;
    s.missed = g.missed;
    for (const Rule& r : g.rules) s.rules.push_back(r.status);
  }
  return out;
}

}  // namespace vigie::daemon::rules
