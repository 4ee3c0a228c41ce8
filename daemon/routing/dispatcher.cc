#include "daemon/routing/dispatcher.h"

#include <algorithm>

#include "common/strings.h"

namespace vigie::daemon::routing {

void Dispatcher::Add(const Alert& alert, int64_t now_ms) {
  const bool firing = alert.state == AlertState::kFiring;
  if (!firing && alert.state != AlertState::kResolved) return;
  const uint64_t fp = alert.fingerprint != 0 ? alert.fingerprint : Fingerprint("", alert.labels);

  for (const Route* route : root_->Match(alert.labels)) {
    Labels group_labels = route->GroupLabels(alert.labels);
    std::string key = StrCat(route->key(), ":", FormatSeries("", group_labels));
    auto it = groups_.find(key);
    if (it == groups_.end()) {
      auto restored = restored_.find(key);
      if (!firing && restored == restored_.end()) continue;
      Group group;
      group.route = route;
      group.labels = std::move(group_labels);
      group.next_flush_ms = now_ms + route->options().group_wait.count();
      group.state.group_key = key;
      group.state.receiver = route->options().receiver;
      if (restored != restored_.end()) {
        group.state = std::move(restored->second);
        group.state.receiver = route->options().receiver;
        restored_.erase(restored);
        if (group.state.notified) {
          group.flushed = true;
          group.next_flush_ms = std::max(
              now_ms, group.state.last_notify_ms + route->options().group_interval.count());
        }
      }
      it = groups_.emplace(std::move(key), std::move(group)).first;
    }
    Group& group = it->second;
    // As Alertmanager: an alert that has waited group_wait already (e.g. after
    // a restart) does not make its group wait again.
    if (firing && !group.flushed && alert.fired_at_ms > 0 &&
        alert.fired_at_ms + route->options().group_wait.count() < now_ms) {
      group.next_flush_ms = std::min(group.next_flush_ms, now_ms);
    }
    if (!firing && !group.alerts.contains(fp) && !group.state.last_firing.contains(fp)) continue;
    Alert& stored = group.alerts[fp];
    stored = alert;
    stored.fingerprint = fp;
  }
}

namespace {

void SortByLabels(std::vector<Alert>& alerts) {
  std::sort(alerts.begin(), alerts.end(),
            [](const Alert& a, const Alert& b) { return a.labels < b.labels; });
}

}  // namespace

bool Dispatcher::FlushGroup(const std::string& key, Group& group, int64_t now_ms,
                            const Muter* muter, GroupNotification& out) {
  const RouteOptions& opts = group.route->options();
  GroupState& state = group.state;
  std::vector<Alert> firing;
  std::vector<Alert> resolved;
  std::set<uint64_t> firing_fps;
  std::set<uint64_t> flapping_fps;
  bool new_firing = false;
  for (const auto& [fp, alert] : group.alerts) {
    if (alert.state == AlertState::kResolved) {
      if (state.last_firing.contains(fp)) resolved.push_back(alert);
      continue;
    }
    if (muter != nullptr && muter->Mutes(alert.labels, now_ms)) continue;
    firing.push_back(alert);
    firing_fps.insert(fp);
    if (alert.flapping) flapping_fps.insert(fp);
    if (!state.last_firing.contains(fp)) new_firing = true;
    if (alert.flapping && !state.last_flapping.contains(fp)) new_firing = true;
  }
  // Resolved alerts are looked at once, then forgotten.
  std::erase_if(group.alerts,
                [](const auto& kv) { return kv.second.state == AlertState::kResolved; });

  bool notify = false;
  if (!state.notified) {
    notify = !firing.empty();
  } else {
    const bool repeat_due =
        !firing.empty() && now_ms - state.last_notify_ms >= opts.repeat_interval.count();
    notify = new_firing || !resolved.empty() || repeat_due;
  }
  if (!notify) return false;

  state.notified = true;
  state.last_notify_ms = now_ms;
  state.last_firing = std::move(firing_fps);
  state.last_flapping = std::move(flapping_fps);
  ++state.sequence;
  SortByLabels(firing);
  SortByLabels(resolved);
  out.receiver = opts.receiver;
  out.escalation = opts.escalation;
  out.group_key = key;
  out.group_labels = group.labels;
  out.alerts = std::move(firing);
  out.alerts.insert(out.alerts.end(), std::make_move_iterator(resolved.begin()),
                    std::make_move_iterator(resolved.end()));
  out.state = state;
  return true;
}

std::vector<GroupNotification> Dispatcher::Flush(int64_t now_ms, const Muter* muter,
                                                 std::vector<std::string>* removed) {
  std::vector<GroupNotification> out;
  for (auto it = groups_.begin(); it != groups_.end();) {
    Group& group = it->second;
    if (group.next_flush_ms > now_ms) {
      ++it;
      continue;
    }
    GroupNotification n;
    if (FlushGroup(it->first, group, now_ms, muter, n)) out.push_back(std::move(n));
    group.flushed = true;
    group.next_flush_ms = now_ms + group.route->options().group_interval.count();
    if (group.alerts.empty()) {
      if (removed != nullptr) removed->push_back(it->first);
      it = groups_.erase(it);
    } else {
      ++it;
    }
  }
  return out;
}

void Dispatcher::RestoreGroup(GroupState state) {
  std::string key = state.group_key;
  restored_.insert_or_assign(std::move(key), std::move(state));
}

std::vector<std::string> Dispatcher::ForgetUnrestored() {
  std::vector<std::string> keys;
  for (const auto& [key, state] : restored_) keys.push_back(key);
  restored_.clear();
  return keys;
}

std::vector<GroupState> Dispatcher::GroupStates() const {
  std::vector<GroupState> out;
  for (const auto& [key, group] : groups_) {
    if (group.state.notified) out.push_back(group.state);
  }
  return out;
}

std::optional<int64_t> Dispatcher::NextFlushMs() const {
  std::optional<int64_t> next;
  for (const auto& [key, group] : groups_) {
    if (!next || group.next_flush_ms < *next) next = group.next_flush_ms;
  }
  return next;
}

}  // namespace vigie::daemon::routing
