// Dispatcher: Alertmanager's grouping. Alerts are sorted into aggregation
// groups keyed by (route, values of the route's group_by labels); each group
// decides on its own timers when its receiver must be told:
//
//   - the first notification leaves group_wait after the group was created
//     (at once if the alert that created it fired more than group_wait ago);
//   - afterwards the group is looked at every group_interval, and notifies
//     when a firing alert is new since the last notification or when an alert
//     of the last notification has resolved;
//   - an unchanged group that still fires is notified again once
//     repeat_interval has passed since its last notification (so at the first
//     group_interval tick at or after it);
//   - a resolved alert is included once (when the receiver had been told it
//     was firing) and then dropped from the group; an empty group is removed.
//   - an alert that starts flapping (Alert::flapping) is announced once, as a
//     change of the group; while it flaps the caller presents it as firing
//     (see docs/routing.md), so its state changes are not notified.
//
// Nothing here reads a clock or starts a timer: the caller passes `now_ms`
// (milliseconds since the Unix epoch) to Add() and Flush(), and may use
// NextFlushMs() to schedule its own timer. The result depends only on the
// calls made, so a test replays an exact timeline.
//
// Thread-safety: none; the owner serializes calls (one pipeline strand).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "daemon/alerting/alert.h"
#include "daemon/routing/muter.h"
#include "daemon/routing/route.h"

namespace vigie::daemon::routing {

// What a group remembers of what its receiver was told: persisted by the
// daemon with every notification, handed back by RestoreGroup() after a restart
// or a reload, so that nothing already notified is notified again.
struct GroupState {
  std::string group_key;
  std::string receiver;
  bool notified = false;  // a notification has been sent
  int64_t last_notify_ms = 0;
  uint64_t sequence = 0;             // notifications sent so far
  std::set<uint64_t> last_firing;    // fingerprints sent as firing last time
  std::set<uint64_t> last_flapping;  // of those, the ones sent as flapping
};

struct GroupNotification {
  std::string receiver;
  std::string escalation;  // the route's escalation policy, "" for none
  // Route key plus group labels, e.g. `{}/{team="db"}/0:{alertname="DiskFull"}`.
  // Stable across restarts for the same config: use it for idempotency keys.
  std::string group_key;
  Labels group_labels;
  // Firing alerts first, then resolved ones; each part sorted by labels.
  std::vector<Alert> alerts;
  // The group's bookkeeping after this notification (sequence = its number).
  GroupState state;
};

class Dispatcher {
 public:
  // `root` is not owned and must outlive the dispatcher.
  explicit Dispatcher(const Route* root) : root_(root) {}

  // Takes a new or updated alert (identified by its fingerprint; computed from
  // its labels when 0). Firing alerts join or update their groups; resolved
  // alerts update the groups that hold them and are otherwise ignored (no
  // receiver heard of them). Pending and inactive alerts are ignored.
  void Add(const Alert& alert, int64_t now_ms);

  // The notifications due at `now_ms`, sorted by group key. Firing alerts that
  // `muter` (may be null) mutes at `now_ms` are left out of the notification
  // and out of the comparison with the previous one, but stay in their group:
  // when the silence ends they count as new. Resolutions of alerts the
  // receiver was told about are always sent.
  // Groups removed by this flush (emptied) are appended to `removed` (may be null).
  std::vector<GroupNotification> Flush(int64_t now_ms, const Muter* muter = nullptr,
                                       std::vector<std::string>* removed = nullptr);

  // Hands back the state of a group notified before a restart or reload. It
  // applies when an Add() creates the group with this key (within the next
  // Add()s; states of groups that never come back are forgotten by
  // ForgetUnrestored()): the group skips group_wait, and is next looked at
  // group_interval after its last notification.
  void RestoreGroup(GroupState state);
  // Drops restored states no Add() used; returns their keys (to delete them
  // from the store).
  std::vector<std::string> ForgetUnrestored();

  // The state of every group that has notified, by key.
  std::vector<GroupState> GroupStates() const;

  // The earliest time at which Flush() has something to look at, or nullopt
  // when there are no groups.
  std::optional<int64_t> NextFlushMs() const;

  size_t group_count() const { return groups_.size(); }

 private:
  struct Group {
    const Route* route = nullptr;
    Labels labels;
    std::map<uint64_t, Alert> alerts;  // by fingerprint
    int64_t next_flush_ms = 0;
    bool flushed = false;  // group_wait is over
    GroupState state;      // what the receiver was told
  };

  // Evaluates one due group; returns true and fills `out` when it notifies.
  static bool FlushGroup(const std::string& key, Group& group, int64_t now_ms, const Muter* muter,
                         GroupNotification& out);

  const Route* root_;                           // constant after construction
  std::map<std::string, Group> groups_;         // by group key
  std::map<std::string, GroupState> restored_;  // by group key, until a group takes it
};

}  // namespace vigie::daemon::routing
