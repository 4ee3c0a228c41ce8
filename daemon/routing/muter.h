// Muter: the one interface behind which silences, maintenance windows and
// inhibition rules decide whether an alert must not be notified, as in
// Alertmanager's notification pipeline. A muted alert is still recorded (state,
// history, /metrics); it only never reaches a notifier.
//
// Time is always a parameter: a Muter never reads a clock.
//
// Thread-safety: implementations document their own; none of the ones in
// daemon/routing/ is safe to mutate concurrently with Mutes()/Reason().
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/labels.h"
#include "common/matcher.h"

namespace vigie::daemon::routing {

// Why an alert is muted, for the alert's record and the audit trail.
struct MuteReason {
  enum class Kind { kSilence, kMaintenance, kInhibition };
  Kind kind = Kind::kSilence;
  // Silence id, maintenance window name, or "inhibit_rules[i]".
  std::string id;
  // Human detail: a silence's comment, a window's schedule, the inhibiting
  // alert's labels.
  std::string detail;
};

// "silence", "maintenance", "inhibition".
inline const char* MuteKindName(MuteReason::Kind kind) {
  switch (kind) {
    case MuteReason::Kind::kSilence:
      return "silence";
    case MuteReason::Kind::kMaintenance:
      return "maintenance";
    case MuteReason::Kind::kInhibition:
      return "inhibition";
  }
  return "unknown";
}

// True when every matcher matches the empty string (e.g. `x=~".*"` alone):
// muting with such a set would mute every alert. Silences and maintenance
// windows refuse it, as Alertmanager does for silences.
inline bool MatchesEveryAlert(const std::vector<Matcher>& matchers) {
  return std::all_of(matchers.begin(), matchers.end(),
                     [](const Matcher& m) { return m.Matches(std::string_view()); });
}

class Muter {
 public:
  virtual ~Muter() = default;

  // True when the alert with these (sorted) labels must not be notified at
  // `now_ms` (milliseconds since the Unix epoch).
  virtual bool Mutes(const Labels& alert_labels, int64_t now_ms) const = 0;

  // The first reason found why the alert is muted at `now_ms`, or nullopt when
  // it is not. Mutes() == Reason().has_value().
  virtual std::optional<MuteReason> Reason(const Labels& alert_labels, int64_t now_ms) const = 0;
};

// Asks several muters in order (e.g. inhibition, silences, maintenance, as
// Alertmanager's pipeline does) and answers with the first that mutes.
// Does not own the muters; they must outlive it.
class MuterChain final : public Muter {
 public:
  explicit MuterChain(std::vector<const Muter*> muters) : muters_(std::move(muters)) {}

  bool Mutes(const Labels& alert_labels, int64_t now_ms) const override {
    for (const Muter* m : muters_) {
      if (m->Mutes(alert_labels, now_ms)) return true;
    }
    return false;
  }

  std::optional<MuteReason> Reason(const Labels& alert_labels, int64_t now_ms) const override {
    for (const Muter* m : muters_) {
      if (auto r = m->Reason(alert_labels, now_ms)) return r;
    }
    return std::nullopt;
  }

 private:
  std::vector<const Muter*> muters_;  // constant after construction
};

}  // namespace vigie::daemon::routing
