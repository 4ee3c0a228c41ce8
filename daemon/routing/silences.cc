#include "daemon/routing/silences.h"

#include <algorithm>

#include "common/strings.h"
#include "fmt/format.h"

namespace vigie::daemon::routing {

const char* SilenceStateName(SilenceState state) {
  switch (state) {
    case SilenceState::kPending:
      return "pending";
    case SilenceState::kActive:
      return "active";
    case SilenceState::kExpired:
      return "expired";
  }
  return "unknown";
}

std::optional<SilenceState> ParseSilenceState(std::string_view name) {
  for (SilenceState s : {SilenceState::kPending, SilenceState::kActive, SilenceState::kExpired}) {
    if (name == SilenceStateName(s)) return s;
  }
  return std::nullopt;
}

SilenceState Silence::StateAt(int64_t now_ms) const {
  if (now_ms >= ends_at_ms) return SilenceState::kExpired;
  if (now_ms < starts_at_ms) return SilenceState::kPending;
  return SilenceState::kActive;
}

namespace {

// Copies every field but the matchers, whose types differ.
template <typename From, typename To>
void CopyPlainFields(const From& from, To& to) {
  to.id = from.id;
  to.starts_at_ms = from.starts_at_ms;
  to.ends_at_ms = from.ends_at_ms;
  to.created_by = from.created_by;
  to.comment = from.comment;
  to.created_at_ms = from.created_at_ms;
  to.updated_at_ms = from.updated_at_ms;
}

}  // namespace

SilenceRecord ToRecord(const Silence& silence) {
  SilenceRecord r;
  CopyPlainFields(silence, r);
  for (const Matcher& m : silence.matchers) r.matchers.push_back(m.ToString());
  return r;
}

absl::StatusOr<Silence> FromRecord(const SilenceRecord& record) {
  Silence s;
  CopyPlainFields(record, s);
  for (const std::string& text : record.matchers) {
    auto m = Matcher::Parse(text);
    if (!m.ok()) {
      return absl::InvalidArgumentError(
          StrCat("silence ", record.id, ": ", StatusMessage(m.status())));
    }
    s.matchers.push_back(*std::move(m));
  }
  return s;
}

absl::Status ValidateSilence(const Silence& silence) {
  if (silence.matchers.empty()) {
    return absl::InvalidArgumentError("a silence needs at least one matcher");
  }
  if (MatchesEveryAlert(silence.matchers)) {
    return absl::InvalidArgumentError(
        "at least one matcher must not match the empty string (this silence would mute every "
        "alert)");
  }
  if (silence.ends_at_ms <= silence.starts_at_ms) {
    return absl::InvalidArgumentError("a silence must end after it starts");
  }
  return absl::OkStatus();
}

std::string Silences::NewId() {
  for (;;) {
    const uint64_t hi = rng_();
    const uint64_t lo = rng_();
    std::string id = fmt::format("{:016x}{:016x}", hi, lo);
    if (!silences_.contains(id)) return id;
  }
}

absl::StatusOr<std::string> Silences::Add(Silence silence, int64_t now_ms) {
  if (silence.starts_at_ms < now_ms) silence.starts_at_ms = now_ms;
  if (silence.ends_at_ms <= now_ms) {
    return absl::InvalidArgumentError("a silence cannot end in the past");
  }
  if (absl::Status st = ValidateSilence(silence); !st.ok()) return st;
  silence.id = NewId();
  silence.created_at_ms = now_ms;
  silence.updated_at_ms = now_ms;
  std::string id = silence.id;
  silences_.emplace(id, std::move(silence));
  return id;
}

absl::Status Silences::Expire(std::string_view id, int64_t now_ms) {
  auto it = silences_.find(id);
  if (it == silences_.end()) return absl::NotFoundError(StrCat("no silence with id ", id));
  Silence& s = it->second;
  switch (s.StateAt(now_ms)) {
    case SilenceState::kExpired:
      return absl::FailedPreconditionError(StrCat("silence ", id, " has already expired"));
    case SilenceState::kPending:
      s.starts_at_ms = now_ms;
      s.ends_at_ms = now_ms;
      break;
    case SilenceState::kActive:
      s.ends_at_ms = now_ms;
      break;
  }
  s.updated_at_ms = now_ms;
  return absl::OkStatus();
}

std::optional<Silence> Silences::Get(std::string_view id) const {
  auto it = silences_.find(id);
  if (it == silences_.end()) return std::nullopt;
  return it->second;
}

std::vector<Silence> Silences::List(std::optional<SilenceState> state, int64_t now_ms) const {
  std::vector<Silence> out;
  for (const auto& [id, s] : silences_) {
    if (!state || s.StateAt(now_ms) == *state) out.push_back(s);
  }
  std::stable_sort(out.begin(), out.end(), [](const Silence& a, const Silence& b) {
    return a.starts_at_ms < b.starts_at_ms;
  });
  return out;
}

size_t Silences::GarbageCollect(int64_t now_ms, std::chrono::milliseconds retention) {
  return std::erase_if(silences_, [&](const auto& kv) {
    return kv.second.ends_at_ms + retention.count() <= now_ms;
  });
}

std::vector<SilenceRecord> Silences::Snapshot() const {
  std::vector<SilenceRecord> out;
  out.reserve(silences_.size());
  for (const auto& [id, s] : silences_) out.push_back(ToRecord(s));
  return out;
}

absl::Status Silences::Restore(const std::vector<SilenceRecord>& records) {
  std::map<std::string, Silence, std::less<>> loaded;
  for (const SilenceRecord& r : records) {
    auto s = FromRecord(r);
    if (!s.ok()) return s.status();
    if (r.id.empty()) return absl::InvalidArgumentError("silence record without id");
    // A pending silence expired by Expire() has starts_at == ends_at: valid.
    Silence check = *s;
    if (check.ends_at_ms == check.starts_at_ms) ++check.ends_at_ms;
    if (absl::Status st = ValidateSilence(check); !st.ok()) {
      return absl::InvalidArgumentError(StrCat("silence ", r.id, ": ", StatusMessage(st)));
    }
    if (!loaded.emplace(r.id, *std::move(s)).second) {
      return absl::InvalidArgumentError(StrCat("duplicate silence id ", r.id));
    }
  }
  silences_ = std::move(loaded);
  return absl::OkStatus();
}

const Silence* Silences::FindActive(const Labels& alert_labels, int64_t now_ms) const {
  for (const auto& [id, s] : silences_) {
    if (s.StateAt(now_ms) == SilenceState::kActive && MatchesAll(s.matchers, alert_labels)) {
      return &s;
    }
  }
  return nullptr;
}

bool Silences::Mutes(const Labels& alert_labels, int64_t now_ms) const {
  return FindActive(alert_labels, now_ms) != nullptr;
}

std::optional<MuteReason> Silences::Reason(const Labels& alert_labels, int64_t now_ms) const {
  const Silence* s = FindActive(alert_labels, now_ms);
  if (s == nullptr) return std::nullopt;
  return MuteReason{MuteReason::Kind::kSilence, s->id,
                    StrCat(s->comment, " (by ", s->created_by, ")")};
}

}  // namespace vigie::daemon::routing
