// State: what vigied knows right now about hosts and their recent samples.
//
// Hosts are loaded from the Store at start (Restore) and updated by Hello and
// by every applied batch; the caller persists the HostRecord each call returns
// (DurableWriter) before acknowledging. Samples live only in memory: one
// SeriesRing per series, covering `retention` (rules look back that far).
//
// Thread-safety: all methods may be called concurrently. Each host has its own
// mutex, so agents do not contend with each other; the host map has a shared
// mutex taken exclusively only when a new host appears.
//
// Each host indexes its series by metric name (VisitMetric, a binary search), for the rule
// engine's selectors (StateQueryable): 16 bytes per series (name hash + pointer), in one
// vector sorted by hash. Series are never removed while vigied runs.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/clock.h"
#include "common/labels.h"
#include "daemon/state/series_ring.h"
#include "daemon/store/store.h"

namespace vigie::v1 {
class Batch;
class HelloRequest;
class StreamStart;
}  // namespace vigie::v1

namespace vigie::daemon {

enum class MetricKind { kUntyped, kGauge, kCounter };

struct MetricMeta {
  MetricKind kind = MetricKind::kUntyped;
  std::string help;
};

struct StateOptions {
  int64_t retention_ms = 3'600'000;      // samples kept per series
  uint32_t stale_after_intervals = 3;    // host down after this many missed intervals
  int64_t default_interval_ms = 15'000;  // when an agent does not say
  size_t max_series_per_host = 20'000;
};

// One series of one host. `labels` excludes the host label and host labels.
struct Series {
  std::string metric;
  Labels labels;
  SeriesRing ring;
};

// A consistent copy of one host's bookkeeping.
struct HostStatus {
  HostRecord record;
  bool up = false;
  bool connected = false;
  size_t series_count = 0;
  int64_t last_sample_ms = 0;  // newest sample timestamp seen (agent clock); not persisted
};

class HostView;

struct ApplyResult {
  bool duplicate = false;  // seq already applied: nothing changed
  bool gap = false;        // seq skipped ahead (agent dropped batches)
  uint32_t samples_applied = 0;
  uint32_t dropped_series_limit = 0;
  uint32_t dropped_out_of_order = 0;
  HostRecord record;  // to persist before acknowledging
};

class State {
 public:
  State(const Clock& clock, StateOptions options);
  ~State();
  State(const State&) = delete;
  State& operator=(const State&) = delete;

  // Loads persisted hosts (at start, before serving).
  void Restore(std::vector<HostRecord> hosts);

  // Registers or refreshes a host from its Hello. Returns the record to persist.
  HostRecord Hello(const vigie::v1::HelloRequest& hello);

  // True once Hello has been called for `host` since start or it was restored.
  bool Knows(std::string_view host) const;

  // Applies a validated batch (see ValidateBatch) for `host`. Duplicates (seq
  // not above the last applied one) change nothing.
  ApplyResult Apply(std::string_view host, const vigie::v1::Batch& batch);

  // Records the metric metadata an agent declares when it opens a stream.
  void UpdateMetadata(const vigie::v1::StreamStart& start);

  // Stream bookkeeping: how many Report streams a host has open.
  void StreamOpened(std::string_view host);
  void StreamClosed(std::string_view host);

  std::optional<HostStatus> GetHost(std::string_view host) const;
  std::vector<HostStatus> ListHosts() const;  // sorted by name

  // Calls fn for every series of `host` under the host's lock. fn must be quick.
  void VisitSeries(std::string_view host, const std::function<void(const Series&)>& fn) const;
  // Same, for the series of `host` named `metric` only, found through a per-host index by
  // metric name (the other series are not visited), in the order they appeared.
  void VisitMetric(std::string_view host, std::string_view metric,
                   const std::function<void(const Series&)>& fn) const;
  // Calls fn for every host in name order (as ListHosts), or for `host` only when not null,
  // each under the host's lock, without copying host records. fn must be quick and must not
  // call State.
  void VisitHosts(const std::string* host, const std::function<void(const HostView&)>& fn) const;
  // Calls fn for every host and its series, host by host under each host's lock.
  void VisitAll(const std::function<void(const HostStatus&, const Series&)>& series_fn,
                const std::function<void(const HostStatus&)>& host_fn) const;

  std::optional<MetricMeta> Metadata(std::string_view metric) const;
  size_t SeriesCount() const;

  const StateOptions& options() const { return options_; }
  const Clock& clock() const { return clock_; }

 private:
  friend class HostView;
  struct HostState;

  HostState* Find(std::string_view host) const;
  HostStatus StatusLocked(const HostState& h, int64_t now_ms) const;
  bool UpLocked(const HostState& h, int64_t now_ms) const;
  void SortHostsLocked();  // rebuilds sorted_hosts_
  static void VisitMetricLocked(const HostState& h, std::string_view metric,
                                const std::function<void(const Series&)>& fn);
  template <typename MetadataList>
  void MergeMetadata(const MetadataList& list);

  // Constant after construction.
  const Clock& clock_;
  const StateOptions options_;

  mutable std::shared_mutex hosts_mu_;
  // Guarded by hosts_mu_ (the map); each HostState has its own mutex.
  std::unordered_map<std::string, std::unique_ptr<HostState>> hosts_;
  // The values of hosts_, sorted by host name (VisitHosts). Guarded by hosts_mu_.
  std::vector<const HostState*> sorted_hosts_;

  mutable std::shared_mutex meta_mu_;
  std::unordered_map<std::string, MetricMeta> metadata_;  // guarded by meta_mu_
};

// One host as State::VisitHosts shows it, under the host's lock: its record is not copied
// (HostStatus copies it), and its series can be visited without taking the lock again.
class HostView {
 public:
  const HostRecord& record() const;
  bool up() const { return up_; }
  bool connected() const;
  size_t series_count() const;
  int64_t last_sample_ms() const;  // as HostStatus::last_sample_ms
  // As State::VisitSeries and State::VisitMetric.
  void VisitSeries(const std::function<void(const Series&)>& fn) const;
  void VisitMetric(std::string_view metric, const std::function<void(const Series&)>& fn) const;

 private:
  friend class State;
  HostView(const State::HostState& h, bool up) : h_(h), up_(up) {}
  const State::HostState& h_;
  bool up_;
};

}  // namespace vigie::daemon
