// Store: the daemon's durable state (hosts today; alerts, incidents, silences
// and the notification log later). SQLite is the embedded implementation;
// PostgreSQL implements the same interface for shared deployments.
//
// Every method is a complete transaction: when it returns OK the change is
// durable (SQLite WAL, synchronous=FULL). Implementations are thread-safe, but
// vigied funnels writes through one DurableWriter thread for group commit.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/labels.h"

namespace vigie::daemon {

struct HostRecord {
  std::string name;
  int64_t first_seen_ms = 0;
  int64_t last_seen_ms = 0;
  std::string agent_version;
  Labels labels;            // host labels from the agent's config (env, role, team...)
  std::string inventory;    // serialized vigie.v1.Inventory
  int64_t interval_ms = 0;  // the agent's collection interval
  uint64_t last_applied_seq = 0;
  std::string config_hash;
};

class Store {
 public:
  virtual ~Store() = default;

  virtual absl::StatusOr<std::vector<HostRecord>> LoadHosts() = 0;
  // Inserts or replaces every record, in one transaction.
  virtual absl::Status SaveHosts(const std::vector<HostRecord>& hosts) = 0;
};

}  // namespace vigie::daemon
