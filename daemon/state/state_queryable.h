// StateQueryable: the rule engine's view (promql::Queryable) of vigied's in-memory State.
//
// Rules see what Prometheus would scrape from vigied's /metrics (daemon/http/state_metrics.cc):
// - every series of every host, labelled `__name__` + the series' labels + `host` + the host's
//   labels (a series' own label wins over a host label of the same name), with the points of
//   its ring in [mint, maxt];
// - the derived per-host series `vigie_host_up` (1 if the host reported within its stale
//   window, else 0), `vigie_host_connected`, `vigie_host_series` and
//   `vigie_host_last_report_timestamp_seconds` (daemon clock), labelled `host` + host labels.
//   They have no history: each is one point stamped at the query's maxt, holding the host's
//   status at the State clock's now (rules are evaluated at now, so maxt is the evaluation
//   time). A range selector over them therefore sees a single point.
// - A series that /metrics no longer shows (its host is down, or the series stopped while
//   the host kept reporting) ends with a staleness marker at the moment it disappeared, as
//   Prometheus' scrape would record it: an instant selector stops returning it then instead
//   of serving its last sample for the whole 5-minute lookback. The marker time is the last
//   report (host) or the last sample (series) plus stale_after_intervals x the interval.
//
// Efficiency: a `host="h"` equality matcher limits the scan to that host; a `__name__="x"`
// equality matcher (nearly every selector) visits only the series named x of each host,
// through State's per-host index by metric name (State::VisitMetric); other matchers on the
// name (regex, !=) visit every series. Matchers are checked before a series' label set is
// built. SelectLatest (instant selectors) copies only each series' newest point.
// Hosts are read through State::VisitHosts (no copy of their records). Points are copied out
// under each host's lock, and `fn` is called after every lock is released, so `fn` may be
// slow.
//
// Thread-safety: Select() is const and may run concurrently; it takes State's locks.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "daemon/rules/promql/promql.h"
#include "daemon/state/state.h"

namespace vigie::daemon {

class StateQueryable : public promql::Queryable {
 public:
  // `state` must outlive this object.
  explicit StateQueryable(const State& state) : state_(state) {}

  void Select(const std::vector<Matcher>& matchers, int64_t mint_ms, int64_t maxt_ms,
              const std::function<void(const Labels&, const std::vector<promql::Point>&)>& fn)
      const override;
  // Reads only each series' newest point (no copy of the others).
  void SelectLatest(const std::vector<Matcher>& matchers, int64_t mint_ms, int64_t maxt_ms,
                    const std::function<void(const Labels&, const std::vector<promql::Point>&)>& fn)
      const override;

  // What the evaluator calls: fn takes the label sets and points built here.
  void SelectOwned(const std::vector<Matcher>& matchers, int64_t mint_ms, int64_t maxt_ms,
                   bool newest_only, const SelectOwnedFn& fn) const override;

 private:
  const State& state_;
};

}  // namespace vigie::daemon
