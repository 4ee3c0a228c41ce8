// Incidents and escalation: the engine that turns an alert group's
// notification into an incident and pages people, step by step, until one of
// them acknowledges. Pure logic: every time is a parameter (ms since the
// epoch), every change is returned as store records plus the pages to send,
// so the caller commits them in one transaction with the outbox (a page is
// sent exactly once, a kill -9 resumes at the right step).
//
// Escalation policy (PagerDuty's semantics):
//   - step 1 pages at once when the incident opens; each step waits its
//     `escalate_after` before the next one; after the last step the policy
//     starts again from step 1 (after that step's wait) `repeat` times, then
//     stops (the incident stays triggered, visible, unacknowledged);
//   - a step's targets are the current on-call person of a schedule, a user,
//     a team (each member, plus the team's own receiver) or a receiver;
//   - a user is paged through their contact rules: each rule is a receiver and
//     a delay from the page (e-mail at once, SMS after 5 minutes...); delayed
//     contacts are cancelled by an acknowledgement;
//   - acknowledging stops the escalation; if the incident is still open
//     `ack_timeout` later, it escalates again from step 1;
//   - un-acknowledging escalates again from step 1 at once; reassigning pages
//     the new assignee at once; resolving stops everything.
//
// Thread-safety: none; the notification pipeline's dispatch thread owns it
// (admin calls reach it under the pipeline's lock).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/config.h"
#include "daemon/store/store.h"
#include "yaml-cpp/yaml.h"

namespace vigie::daemon::incidents {

struct ContactRule {
  std::string receiver;
  std::chrono::milliseconds after{0};
};

struct Target {
  enum class Kind { kSchedule, kUser, kTeam, kReceiver };
  Kind kind = Kind::kUser;
  std::string name;
};

struct Step {
  std::vector<Target> targets;
  std::chrono::milliseconds escalate_after{std::chrono::minutes(5)};
};

struct EscalationPolicy {
  std::string name;
  std::vector<Step> steps;
  int repeat = 0;
  std::chrono::milliseconds ack_timeout{0};  // 0: an acknowledgement holds until resolution
};

// What the engine needs to know of the on-call organisation.
struct Directory {
  std::map<std::string, EscalationPolicy> policies;
  std::map<std::string, std::vector<ContactRule>> contact_rules;  // by user
  std::map<std::string, std::vector<std::string>> team_members;   // by team
  std::map<std::string, std::string> team_receiver;               // by team ("" none)
  // Who is on call for a schedule at a time (nullopt: nobody, or unknown).
  std::function<std::optional<std::string>(const std::string& schedule, int64_t at_ms)> on_call;
};

// One message to send for an incident.
struct Page {
  int64_t incident_id = 0;
  std::string user;      // the person paged; "" for a receiver target (a channel)
  std::string receiver;  // through which receiver
  int step = 0;          // 1-based escalation step (0: reassignment)
  int round = 0;
};

struct Changes {
  IncidentChanges store;
  std::vector<Page> pages;
};

// What opens an incident (from the group's notification, or a person).
struct IncidentOpening {
  std::string group_key;  // "" for a manual incident
  std::string title;
  std::string source = "alert";
  std::string reported_by;
  std::string service;
  std::string severity;
  std::string host;
  std::string rule;
  Labels labels;
  std::string policy;   // "" for none: recorded, never paged
  std::string payload;  // the notification to page with (opaque; kept in escalation_json)
};

class IncidentManager {
 public:
  // `open`: the incidents not resolved, as stored; `max_id`: the highest id
  // ever used.
  IncidentManager(Directory directory, std::vector<IncidentRecord> open, int64_t max_id);

  // The open incident of an alert group, if any.
  std::optional<int64_t> ForGroup(const std::string& group_key) const;

  // Opens an incident (and pages step 1 of its policy). Returns its id.
  int64_t Open(IncidentOpening opening, int64_t now_ms, Changes& out);
  // The group notified again (new alerts): timeline only; `payload` replaces
  // the one pages are sent with.
  void Updated(int64_t id, const std::string& detail, std::string payload, int64_t now_ms,
               Changes& out);
  // Runs every step, delayed contact and acknowledgement timeout due at `now_ms`.
  void Tick(int64_t now_ms, Changes& out);
  // The earliest time Tick() has something to do.
  std::optional<int64_t> NextDueMs() const;

  // Errors: NotFound (unknown or already closed incident), FailedPrecondition
  // (e.g. acknowledging an acknowledged incident).
  absl::Status Acknowledge(int64_t id, const std::string& actor, const std::string& comment,
                           int64_t now_ms, Changes& out);
  absl::Status Unacknowledge(int64_t id, const std::string& actor, int64_t now_ms, Changes& out);
  absl::Status Reassign(int64_t id, const std::string& user, const std::string& actor,
                        int64_t now_ms, Changes& out);
  absl::Status Comment(int64_t id, const std::string& actor, const std::string& text,
                       int64_t now_ms, Changes& out);
  // Resolves an open incident (by an alert's resolution: actor "alert").
  absl::Status Resolve(int64_t id, const std::string& actor, const std::string& comment,
                       int64_t now_ms, Changes& out);

  // Sets the group key of an open incident (manual incidents get theirs once
  // their id is known).
  void SetGroupKey(int64_t id, const std::string& group_key);
  // The notification payload pages of an incident are sent with.
  std::string Payload(int64_t id) const;
  const IncidentRecord* Find(int64_t id) const;
  std::vector<IncidentRecord> OpenIncidents() const;

  // Replaces the directory (reload); running escalations continue with the
  // new policies (an unknown policy stops escalating, with a timeline line).
  void SetDirectory(Directory directory) { directory_ = std::move(directory); }

 private:
  struct Delayed {
    std::string user;
    std::string receiver;
    int64_t due_ms = 0;
    int step = 0;
    int round = 0;
  };
  struct Live {
    IncidentRecord record;
    std::vector<Delayed> delayed;
    std::string payload;
  };

  Live* Get(int64_t id);
  void Save(Live& live, Changes& out) const;
  void Line(const Live& live, int64_t at_ms, std::string kind, std::string actor,
            std::string detail, Changes& out) const;
  void RunStep(Live& live, int64_t now_ms, Changes& out);
  void PageUser(Live& live, const std::string& user, int step, int64_t now_ms, Changes& out);
  void Restart(Live& live, int64_t now_ms);

  Directory directory_;
  std::map<int64_t, Live> open_;  // by id
  int64_t max_id_ = 0;
};

// Reads `escalation_policies:` (a list) and users' `contact_rules:` with
// file:line errors: unknown keys, duplicate names, steps without targets, a
// target naming an unknown schedule/user/team/receiver (the known names are
// given), repeat < 0, durations < 0.
std::map<std::string, EscalationPolicy> ParseEscalationPolicies(
    const YAML::Node& node, const std::vector<std::string>& schedules,
    const std::vector<std::string>& users, const std::vector<std::string>& teams,
    const std::vector<std::string>& receivers, ConfigErrors& errors);
std::vector<ContactRule> ParseContactRules(const YAML::Node& node,
                                           const std::vector<std::string>& receivers,
                                           ConfigErrors& errors);

}  // namespace vigie::daemon::incidents
