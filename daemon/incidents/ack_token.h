// Acknowledgement links: signed, expiring, single-use tokens that let the
// person paged acknowledge an incident with one click (GET /ack/<token> on
// vigied's HTTP port), from a phone, without logging in.
//
//   token = base64url(payload) "." base64url(HMAC-SHA256(key, payload))
//   payload = "v1:" incident_id ":" expires_ms ":" nonce ":" user
//
// The key is 32 random bytes kept in the data directory (ack.key, mode 0600)
// or given in the config. Verification is constant-time; a token is refused
// when it is malformed, its signature does not match (forged or signed with
// another key), or it has expired. Single use is enforced by the store (the
// token id, i.e. its nonce, may be consumed once).
//
// Pure functions over the key; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace vigie::daemon::incidents {

struct AckClaim {
  int64_t incident_id = 0;
  std::string user;  // who the link was sent to
  int64_t expires_ms = 0;
  std::string nonce;  // 32 hex digits; the token id for single use
};

class AckSigner {
 public:
  // `key` must be at least 16 bytes (InvalidArgument otherwise).
  static absl::StatusOr<AckSigner> Make(std::string key);
  // Loads the key from `path`, creating it (32 random bytes, mode 0600) when
  // missing. Errors name the file.
  static absl::StatusOr<AckSigner> LoadOrCreate(const std::string& path);

  // A new token for `claim` (a fresh nonce is drawn when claim.nonce is empty).
  std::string Sign(AckClaim claim) const;
  // The claim of a valid token; PermissionDenied "forged or damaged link" or
  // "link expired" otherwise (never says which part was wrong beyond that).
  absl::StatusOr<AckClaim> Verify(std::string_view token, int64_t now_ms) const;

 private:
  explicit AckSigner(std::string key) : key_(std::move(key)) {}
  std::string Mac(std::string_view payload) const;

  std::string key_;  // secret; never logged
};

}  // namespace vigie::daemon::incidents
