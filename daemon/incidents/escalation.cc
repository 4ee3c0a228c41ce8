#include "daemon/incidents/escalation.h"

#include <algorithm>
#include <set>
#include <utility>

#include "common/strings.h"
#include "nlohmann/json.hpp"

namespace vigie::daemon::incidents {
namespace {

constexpr char kTriggered[] = "triggered";
constexpr char kAcknowledged[] = "acknowledged";
constexpr char kResolved[] = "resolved";

std::string EncodeState(const std::vector<nlohmann::json>& delayed, const std::string& payload) {
  nlohmann::json j;
  j["delayed"] = delayed;
  j["payload"] = payload;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

IncidentManager::IncidentManager(Directory directory, std::vector<IncidentRecord> open,
                                 int64_t max_id)
    : directory_(std::move(directory)), max_id_(max_id) {
  for (auto& r : open) {
    if (r.state == kResolved) continue;
    Live live;
    auto j = nlohmann::json::parse(r.escalation_json, nullptr, /*allow_exceptions=*/false);
    if (j.is_object()) {
      live.payload = j.value("payload", "");
      if (j.contains("delayed") && j["delayed"].is_array()) {
        for (const auto& d : j["delayed"]) {
          live.delayed.push_back({d.value("user", ""), d.value("receiver", ""),
                                  d.value("due_ms", int64_t{0}), d.value("step", 0),
                                  d.value("round", 0)});
        }
      }
    }
    max_id_ = std::max(max_id_, r.id);
    const int64_t id = r.id;
    live.record = std::move(r);
    open_.emplace(id, std::move(live));
  }
}

std::optional<int64_t> IncidentManager::ForGroup(const std::string& group_key) const {
  if (group_key.empty()) return std::nullopt;
  for (const auto& [id, live] : open_) {
    if (live.record.group_key == group_key) return id;
  }
  return std::nullopt;
}

IncidentManager::Live* IncidentManager::Get(int64_t id) {
  auto it = open_.find(id);
  return it == open_.end() ? nullptr : &it->second;
}

const IncidentRecord* IncidentManager::Find(int64_t id) const {
  auto it = open_.find(id);
  return it == open_.end() ? nullptr : &it->second.record;
}

void IncidentManager::SetGroupKey(int64_t id, const std::string& group_key) {
  if (Live* live = Get(id)) live->record.group_key = group_key;
}

std::string IncidentManager::Payload(int64_t id) const {
  auto it = open_.find(id);
  return it == open_.end() ? "" : it->second.payload;
}

std::vector<IncidentRecord> IncidentManager::OpenIncidents() const {
  std::vector<IncidentRecord> out;
  for (const auto& [id, live] : open_) out.push_back(live.record);
  return out;
}

void IncidentManager::Save(Live& live, Changes& out) const {
  std::vector<nlohmann::json> delayed;
  for (const auto& d : live.delayed) {
    delayed.push_back({{"user", d.user},
                       {"receiver", d.receiver},
                       {"due_ms", d.due_ms},
                       {"step", d.step},
                       {"round", d.round}});
  }
  live.record.escalation_json = EncodeState(delayed, live.payload);
  // One upsert per incident per change set: the latest state wins.
  auto& ups = out.store.upserts;
  auto it = std::find_if(ups.begin(), ups.end(),
                         [&](const IncidentRecord& r) { return r.id == live.record.id; });
  if (it == ups.end()) {
    ups.push_back(live.record);
  } else {
    *it = live.record;
  }
}

void IncidentManager::Line(const Live& live, int64_t at_ms, std::string kind, std::string actor,
                           std::string detail, Changes& out) const {
  out.store.timeline.push_back(
      {live.record.id, at_ms, std::move(kind), std::move(actor), std::move(detail)});
}

int64_t IncidentManager::Open(IncidentOpening o, int64_t now_ms, Changes& out) {
  const int64_t id = ++max_id_;
  Live live;
  IncidentRecord& r = live.record;
  r.id = id;
  r.group_key = std::move(o.group_key);
  r.title = std::move(o.title);
  r.source = std::move(o.source);
  r.reported_by = std::move(o.reported_by);
  r.service = std::move(o.service);
  r.severity = std::move(o.severity);
  r.host = std::move(o.host);
  r.rule = std::move(o.rule);
  r.labels = std::move(o.labels);
  r.state = kTriggered;
  r.opened_ms = now_ms;
  r.policy = std::move(o.policy);
  live.payload = std::move(o.payload);
  Live& stored = open_.emplace(id, std::move(live)).first->second;
  Line(stored, now_ms, "triggered",
       stored.record.source == "manual" ? stored.record.reported_by : "vigied",
       StrCat(stored.record.title, stored.record.policy.empty()
                                       ? " (no escalation policy)"
                                       : StrCat(" (escalation policy ", stored.record.policy, ")")),
       out);
  if (!stored.record.policy.empty()) {
    stored.record.next_step_ms = now_ms;
    RunStep(stored, now_ms, out);
  }
  Save(stored, out);
  return id;
}

void IncidentManager::Updated(int64_t id, const std::string& detail, std::string payload,
                              int64_t now_ms, Changes& out) {
  Live* live = Get(id);
  if (live == nullptr) return;
  live->payload = std::move(payload);
  Line(*live, now_ms, "notified", "vigied", detail, out);
  Save(*live, out);
}

void IncidentManager::PageUser(Live& live, const std::string& user, int step, int64_t now_ms,
                               Changes& out) {
  auto rules = directory_.contact_rules.find(user);
  if (rules == directory_.contact_rules.end() || rules->second.empty()) {
    Line(live, now_ms, "page_failed", "vigied",
         StrCat(user, " has no contact rules: nobody was told"), out);
    return;
  }
  for (const ContactRule& c : rules->second) {
    if (c.after.count() <= 0) {
      out.pages.push_back({live.record.id, user, c.receiver, step, live.record.round});
      Line(live, now_ms, "paged", user, StrCat("step ", step, " via ", c.receiver), out);
    } else {
      live.delayed.push_back({user, c.receiver, now_ms + c.after.count(), step, live.record.round});
    }
  }
}

void IncidentManager::RunStep(Live& live, int64_t now_ms, Changes& out) {
  IncidentRecord& r = live.record;
  auto policy_it = directory_.policies.find(r.policy);
  if (policy_it == directory_.policies.end() || policy_it->second.steps.empty()) {
    Line(live, now_ms, "escalation_stopped", "vigied",
         StrCat("escalation policy \"", r.policy, "\" is not configured"), out);
    r.next_step_ms = 0;
    return;
  }
  const EscalationPolicy& policy = policy_it->second;
  if (r.step >= static_cast<int>(policy.steps.size())) {
    if (r.round >= policy.repeat) {
      Line(live, now_ms, "escalation_exhausted", "vigied",
           StrCat("every step of ", policy.name, " was run ", policy.repeat + 1,
                  " times; nobody acknowledged"),
           out);
      r.next_step_ms = 0;
      return;
    }
    ++r.round;
    r.step = 0;
  }
  const Step& step = policy.steps[static_cast<size_t>(r.step)];
  const int number = r.step + 1;
  if (number > 1 || r.round > 0) {
    Line(live, now_ms, "escalated", "vigied",
         StrCat("step ", number, " of ", policy.steps.size(),
                r.round > 0 ? StrCat(", repeat ", r.round) : std::string()),
         out);
  }
  std::set<std::string> users;
  for (const Target& t : step.targets) {
    switch (t.kind) {
      case Target::Kind::kSchedule: {
        std::optional<std::string> who;
        if (directory_.on_call) who = directory_.on_call(t.name, now_ms);
        if (who) {
          users.insert(*who);
        } else {
          Line(live, now_ms, "page_failed", "vigied",
               StrCat("nobody is on call for schedule ", t.name), out);
        }
        break;
      }
      case Target::Kind::kUser:
        users.insert(t.name);
        break;
      case Target::Kind::kTeam: {
        auto members = directory_.team_members.find(t.name);
        if (members != directory_.team_members.end()) {
          users.insert(members->second.begin(), members->second.end());
        }
        auto receiver = directory_.team_receiver.find(t.name);
        if (receiver != directory_.team_receiver.end() && !receiver->second.empty()) {
          out.pages.push_back({r.id, "", receiver->second, number, r.round});
          Line(live, now_ms, "paged", t.name, StrCat("step ", number, " via ", receiver->second),
               out);
        }
        break;
      }
      case Target::Kind::kReceiver:
        out.pages.push_back({r.id, "", t.name, number, r.round});
        Line(live, now_ms, "paged", t.name, StrCat("step ", number), out);
        break;
    }
  }
  for (const auto& user : users) PageUser(live, user, number, now_ms, out);
  ++r.step;
  r.next_step_ms = now_ms + step.escalate_after.count();
}

void IncidentManager::Tick(int64_t now_ms, Changes& out) {
  for (auto& [id, live] : open_) {
    bool changed = false;
    IncidentRecord& r = live.record;
    if (r.state == kTriggered) {
      // Delayed contacts first (they belong to earlier steps).
      for (auto it = live.delayed.begin(); it != live.delayed.end();) {
        if (it->due_ms > now_ms) {
          ++it;
          continue;
        }
        out.pages.push_back({id, it->user, it->receiver, it->step, it->round});
        Line(live, now_ms, "paged", it->user,
             StrCat("step ", it->step, " via ", it->receiver, " (contact rule delay)"), out);
        it = live.delayed.erase(it);
        changed = true;
      }
      if (r.next_step_ms > 0 && r.next_step_ms <= now_ms) {
        RunStep(live, now_ms, out);
        changed = true;
      }
    } else if (r.state == kAcknowledged && r.next_step_ms > 0 && r.next_step_ms <= now_ms) {
      Line(live, now_ms, "ack_expired", "vigied",
           "still open after the acknowledgement timeout: escalating again", out);
      r.state = kTriggered;
      Restart(live, now_ms);
      RunStep(live, now_ms, out);
      changed = true;
    }
    if (changed) Save(live, out);
  }
}

std::optional<int64_t> IncidentManager::NextDueMs() const {
  std::optional<int64_t> next;
  auto consider = [&](int64_t t) {
    if (t > 0 && (!next || t < *next)) next = t;
  };
  for (const auto& [id, live] : open_) {
    consider(live.record.next_step_ms);
    if (live.record.state == kTriggered) {
      for (const auto& d : live.delayed) consider(d.due_ms);
    }
  }
  return next;
}

void IncidentManager::Restart(Live& live, int64_t now_ms) {
  live.record.step = 0;
  live.record.round = 0;
  live.record.next_step_ms = live.record.policy.empty() ? 0 : now_ms;
}

absl::Status IncidentManager::Acknowledge(int64_t id, const std::string& actor,
                                          const std::string& comment, int64_t now_ms,
                                          Changes& out) {
  Live* live = Get(id);
  if (live == nullptr) return absl::NotFoundError(StrCat("no open incident ", id));
  IncidentRecord& r = live->record;
  if (r.state == kAcknowledged) {
    return absl::FailedPreconditionError(
        StrCat("incident ", id, " is already acknowledged by ", r.acked_by));
  }
  r.state = kAcknowledged;
  if (r.acked_ms == 0) r.acked_ms = now_ms;
  r.acked_by = actor;
  live->delayed.clear();
  auto policy = directory_.policies.find(r.policy);
  const int64_t timeout =
      policy == directory_.policies.end() ? 0 : policy->second.ack_timeout.count();
  r.next_step_ms = timeout > 0 ? now_ms + timeout : 0;
  Line(*live, now_ms, "acknowledged", actor, comment, out);
  Save(*live, out);
  return absl::OkStatus();
}

absl::Status IncidentManager::Unacknowledge(int64_t id, const std::string& actor, int64_t now_ms,
                                            Changes& out) {
  Live* live = Get(id);
  if (live == nullptr) return absl::NotFoundError(StrCat("no open incident ", id));
  if (live->record.state != kAcknowledged) {
    return absl::FailedPreconditionError(StrCat("incident ", id, " is not acknowledged"));
  }
  live->record.state = kTriggered;
  Line(*live, now_ms, "unacknowledged", actor, "escalating again from step 1", out);
  Restart(*live, now_ms);
  if (live->record.next_step_ms > 0) RunStep(*live, now_ms, out);
  Save(*live, out);
  return absl::OkStatus();
}

absl::Status IncidentManager::Reassign(int64_t id, const std::string& user,
                                       const std::string& actor, int64_t now_ms, Changes& out) {
  Live* live = Get(id);
  if (live == nullptr) return absl::NotFoundError(StrCat("no open incident ", id));
  if (!directory_.contact_rules.contains(user)) {
    return absl::InvalidArgumentError(StrCat("unknown user \"", user, "\""));
  }
  live->record.assignee = user;
  Line(*live, now_ms, "reassigned", actor, StrCat("to ", user), out);
  PageUser(*live, user, 0, now_ms, out);
  Save(*live, out);
  return absl::OkStatus();
}

absl::Status IncidentManager::Comment(int64_t id, const std::string& actor, const std::string& text,
                                      int64_t now_ms, Changes& out) {
  Live* live = Get(id);
  if (live == nullptr) return absl::NotFoundError(StrCat("no open incident ", id));
  Line(*live, now_ms, "comment", actor, text, out);
  return absl::OkStatus();
}

absl::Status IncidentManager::Resolve(int64_t id, const std::string& actor,
                                      const std::string& comment, int64_t now_ms, Changes& out) {
  Live* live = Get(id);
  if (live == nullptr) return absl::NotFoundError(StrCat("no open incident ", id));
  IncidentRecord& r = live->record;
  r.state = kResolved;
  r.resolved_ms = now_ms;
  r.resolved_by = actor;
  r.next_step_ms = 0;
  live->delayed.clear();
  Line(*live, now_ms, "resolved", actor, comment, out);
  Save(*live, out);
  open_.erase(id);
  return absl::OkStatus();
}

// --- configuration ---------------------------------------------------------

namespace {

bool Known(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

}  // namespace

std::vector<ContactRule> ParseContactRules(const YAML::Node& node,
                                           const std::vector<std::string>& receivers,
                                           ConfigErrors& errors) {
  std::vector<ContactRule> out;
  if (!node.IsDefined() || node.IsNull()) return out;
  if (!node.IsSequence()) {
    errors.Add(node, "\"contact_rules\" must be a list");
    return out;
  }
  for (const auto& item : node) {
    ContactRule c;
    MapReader r(item, "contact_rules[]", errors);
    r.String("receiver", c.receiver);
    r.Duration("after", c.after);
    r.Finish();
    if (c.receiver.empty()) {
      errors.Add(item, "contact rule: \"receiver\" is required");
    } else if (!Known(receivers, c.receiver)) {
      errors.Add(item["receiver"], StrCat("contact rule: unknown receiver \"", c.receiver, "\""));
    }
    out.push_back(std::move(c));
  }
  return out;
}

std::map<std::string, EscalationPolicy> ParseEscalationPolicies(
    const YAML::Node& node, const std::vector<std::string>& schedules,
    const std::vector<std::string>& users, const std::vector<std::string>& teams,
    const std::vector<std::string>& receivers, ConfigErrors& errors) {
  std::map<std::string, EscalationPolicy> out;
  if (!node.IsDefined() || node.IsNull()) return out;
  if (!node.IsSequence()) {
    errors.Add(node, "\"escalation_policies\" must be a list");
    return out;
  }
  for (const auto& item : node) {
    EscalationPolicy p;
    MapReader r(item, "escalation_policies[]", errors);
    r.String("name", p.name);
    uint64_t repeat = 0;
    r.UInt("repeat", repeat, 0, 100);
    p.repeat = static_cast<int>(repeat);
    r.Duration("ack_timeout", p.ack_timeout);
    const YAML::Node steps = r.Sequence("steps");
    r.Finish();
    if (p.name.empty()) {
      errors.Add(item, "escalation policy: \"name\" is required");
      continue;
    }
    if (out.contains(p.name)) {
      errors.Add(item["name"], StrCat("escalation policy \"", p.name, "\" is defined twice"));
      continue;
    }
    if (!steps.IsDefined() || steps.size() == 0) {
      errors.Add(item, StrCat("escalation policy \"", p.name, "\": \"steps\" must not be empty"));
    }
    for (const auto& s : steps) {
      Step step;
      MapReader sr(s, "escalation_policies[].steps[]", errors);
      sr.Duration("escalate_after", step.escalate_after, std::chrono::seconds(1));
      const YAML::Node targets = sr.Sequence("targets");
      sr.Finish();
      if (!targets.IsDefined() || targets.size() == 0) {
        errors.Add(s, "escalation step: \"targets\" must not be empty");
      }
      for (const auto& t : targets) {
        if (!t.IsMap() || t.size() != 1) {
          errors.Add(t,
                     "escalation target: one of schedule, user, team or receiver, e.g. "
                     "{schedule: primary}");
          continue;
        }
        const std::string kind = t.begin()->first.Scalar();
        const std::string name = t.begin()->second.Scalar();
        Target target{Target::Kind::kUser, name};
        const std::vector<std::string>* known = nullptr;
        if (kind == "schedule") {
          target.kind = Target::Kind::kSchedule;
          known = &schedules;
        } else if (kind == "user") {
          known = &users;
        } else if (kind == "team") {
          target.kind = Target::Kind::kTeam;
          known = &teams;
        } else if (kind == "receiver") {
          target.kind = Target::Kind::kReceiver;
          known = &receivers;
        } else {
          errors.Add(t.begin()->first, StrCat("escalation target: unknown kind \"", kind,
                                              "\" (schedule, user, team or receiver)"));
          continue;
        }
        if (!Known(*known, name)) {
          errors.Add(t.begin()->second,
                     StrCat("escalation target: unknown ", kind, " \"", name, "\""));
          continue;
        }
        step.targets.push_back(std::move(target));
      }
      p.steps.push_back(std::move(step));
    }
    out.emplace(p.name, std::move(p));
  }
  return out;
}

}  // namespace vigie::daemon::incidents
