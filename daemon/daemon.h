// Daemon: vigied's components wired together (store, state, durable writer,
// rule evaluation, notification pipeline, gRPC ingest and admin services,
// HTTP server). main() parses flags, builds a
// DaemonConfig and calls Start(); tests and benchmarks do the same in-process.
#pragma once

#include <cstdint>
#include <memory>

#include "absl/status/statusor.h"
#include "common/clock.h"
#include "daemon/admin/alert_admin.h"
#include "daemon/config/daemon_config.h"

namespace vigie::daemon {

class Daemon {
 public:
  // Opens the store, restores hosts, starts serving. `clock` must outlive the
  // daemon.
  static absl::StatusOr<std::unique_ptr<Daemon>> Start(const DaemonConfig& config,
                                                       const Clock& clock);
  virtual ~Daemon() = default;

  // Re-reads the configuration file and applies what can change at run time
  // (rules, routes, receivers, inhibition, maintenance windows, notification
  // settings); a bad file changes nothing. See AlertAdmin::Reload.
  virtual absl::StatusOr<ReloadResult> Reload(const std::string& actor) = 0;

  virtual uint16_t grpc_port() const = 0;
  virtual uint16_t http_port() const = 0;
  // Stops accepting, finishes in-flight work (commits and acks), closes the
  // store. Idempotent.
  virtual void Shutdown() = 0;
};

}  // namespace vigie::daemon
