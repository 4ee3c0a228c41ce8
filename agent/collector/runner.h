// CollectorRunner: runs every collector once per round, isolating failures.
//
// For each collector, in order, CollectRound emits
//   vigie_agent_collector_duration_seconds{collector} (steady clock) and
//   vigie_agent_collector_success{collector} (1, or 0 when Collect returned an
//   error or threw).
// Samples a failing collector emitted before failing are kept. A failure is
// logged (logger "collector.<name>") the first time and when a collector goes
// from success to failure, not on every round; a recovery is logged once.
//
// Not thread-safe: call CollectRound from one thread at a time.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agent/collector/collector.h"
#include "common/clock.h"
#include "common/logging.h"

namespace vigie::agent {

class CollectorRunner {
 public:
  // `clock` must outlive the runner; it dates failures in log messages.
  CollectorRunner(std::vector<std::unique_ptr<Collector>> collectors, const Clock& clock);

  void CollectRound(SampleSink& sink);

 private:
  struct Entry {
    std::unique_ptr<Collector> collector;
    std::string name;
    Logger logger;
    std::optional<SystemTime> failing_since;  // set while the collector fails
  };

  // Collect() with exceptions turned into an Internal status.
  static absl::Status RunOne(Collector& collector, SampleSink& sink);
  void Report(Entry& entry, const absl::Status& status);

  const Clock& clock_;
  std::vector<Entry> entries_;
};

}  // namespace vigie::agent
