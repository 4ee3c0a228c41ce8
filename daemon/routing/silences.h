// Silences: operator-made, time-bounded mutes, as in Alertmanager. A silence
// holds label matchers and a [starts_at, ends_at) interval; it mutes every
// alert all of its matchers match while it is active.
//
//   state at t:  pending  t < starts_at
//                active   starts_at <= t < ends_at
//                expired  ends_at <= t
//
// Silences lives in memory; a store persists it through SilenceRecord (plain
// strings and numbers) with Snapshot() and Restore(). Every time is a
// parameter in milliseconds since the Unix epoch; ids come from the seeded
// generator given to the constructor, so tests are deterministic.
//
// Thread-safety: none; the owner serializes calls (including Mutes()).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/matcher.h"
#include "daemon/routing/muter.h"

namespace vigie::daemon::routing {

enum class SilenceState { kPending, kActive, kExpired };

// "pending", "active", "expired".
const char* SilenceStateName(SilenceState state);
// Inverse of SilenceStateName; nullopt for anything else.
std::optional<SilenceState> ParseSilenceState(std::string_view name);

struct Silence {
  std::string id;  // 32 hex digits (128 bits); assigned by Silences::Add
  std::vector<Matcher> matchers;
  int64_t starts_at_ms = 0;
  int64_t ends_at_ms = 0;
  std::string created_by;
  std::string comment;
  int64_t created_at_ms = 0;  // set by Add
  int64_t updated_at_ms = 0;  // set by Add and Expire

  SilenceState StateAt(int64_t now_ms) const;
};

// The persisted form of a Silence: matchers in their `name=~"value"` text.
struct SilenceRecord {
  std::string id;
  std::vector<std::string> matchers;
  int64_t starts_at_ms = 0;
  int64_t ends_at_ms = 0;
  std::string created_by;
  std::string comment;
  int64_t created_at_ms = 0;
  int64_t updated_at_ms = 0;
};

SilenceRecord ToRecord(const Silence& silence);
// Fails (InvalidArgument) on an unparsable matcher.
absl::StatusOr<Silence> FromRecord(const SilenceRecord& record);

// The checks Alertmanager makes on every silence: at least one matcher, at
// least one matcher that does not match the empty string (so `x=~".*"` alone,
// which would mute everything, is refused), ends_at after starts_at.
absl::Status ValidateSilence(const Silence& silence);

class Silences final : public Muter {
 public:
  // `rng` must be seeded by the caller (from std::random_device in production).
  explicit Silences(std::mt19937_64 rng) : rng_(std::move(rng)) {}

  // Validates (ValidateSilence, and ends_at must be in the future), gives the
  // silence a new id, moves a start in the past to `now_ms` (as Alertmanager),
  // stamps created_at and updated_at, and stores it. Returns the id.
  // The `id` of `silence` is ignored.
  absl::StatusOr<std::string> Add(Silence silence, int64_t now_ms);

  // Ends a silence now: an active one gets ends_at = now, a pending one
  // starts_at = ends_at = now. NotFound for an unknown id, FailedPrecondition
  // for an already expired one.
  absl::Status Expire(std::string_view id, int64_t now_ms);

  std::optional<Silence> Get(std::string_view id) const;

  // Silences in `state` at `now_ms` (all when nullopt), ordered by starts_at,
  // then id.
  std::vector<Silence> List(std::optional<SilenceState> state, int64_t now_ms) const;

  // Forgets silences that expired more than `retention` ago (Alertmanager
  // keeps them 120h). Returns how many were dropped.
  size_t GarbageCollect(int64_t now_ms, std::chrono::milliseconds retention);

  // Persistence hooks. Restore replaces the whole content and is all or
  // nothing: a record that fails FromRecord or ValidateSilence, or a duplicate
  // id, is reported and nothing changes.
  std::vector<SilenceRecord> Snapshot() const;
  absl::Status Restore(const std::vector<SilenceRecord>& records);

  size_t size() const { return silences_.size(); }

  // Muter: muted by any active silence whose matchers all match.
  bool Mutes(const Labels& alert_labels, int64_t now_ms) const override;
  std::optional<MuteReason> Reason(const Labels& alert_labels, int64_t now_ms) const override;

 private:
  const Silence* FindActive(const Labels& alert_labels, int64_t now_ms) const;
  std::string NewId();

  std::mt19937_64 rng_;
  std::map<std::string, Silence, std::less<>> silences_;  // by id
};

}  // namespace vigie::daemon::routing
