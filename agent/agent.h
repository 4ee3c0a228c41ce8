// Agent: vigie-agent's components wired together: the collector runner, the
// collection loop, the batch buffer and the sender. main() parses flags,
// builds an AgentConfig and calls Start(); `vigie-agent once` calls
// CollectOnce() instead.
//
// Threads: the collection loop (one), and the Sender's. Start/Stop from one
// thread.
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "agent/config/agent_config.h"
#include "common/clock.h"

namespace vigie::v1 {
class Batch;
class Inventory;
}  // namespace vigie::v1

namespace vigie::agent {

class Agent {
 public:
  static absl::StatusOr<std::unique_ptr<Agent>> Create(const AgentConfig& config,
                                                       const Clock& clock);
  virtual ~Agent() = default;

  // One collection round, as it would be sent (without a seq), and the
  // inventory sent in Hello.
  virtual vigie::v1::Batch CollectOnce() = 0;
  virtual vigie::v1::Inventory Inventory() = 0;

  // Starts collecting every interval and streaming to vigied.
  virtual void Start() = 0;
  // Stops collecting; gives the sender up to `grace` to deliver what is
  // buffered, then disconnects.
  virtual void Stop(std::chrono::milliseconds grace) = 0;
};

}  // namespace vigie::agent
