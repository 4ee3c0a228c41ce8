#include "daemon/state/state_queryable.h"

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace vigie::daemon {
namespace {

constexpr std::string_view kNameLabel = "__name__";

// The value of an equality matcher on `name`, or nullptr.
const std::string* EqualityValue(const std::vector<Matcher>& matchers, std::string_view name) {
  for (const Matcher& m : matchers) {
    if (m.op() == MatchOp::kEqual && m.name() == name) return &m.value();
  }
  return nullptr;
}

bool HasLabel(const Labels& labels, std::string_view name) {
  return std::any_of(labels.begin(), labels.end(), [&](const Label& l) { return l.name == name; });
}

// The value of label `name` in FullLabels(metric, own, host), without building it; "" when
// absent.
std::string_view ValueOf(std::string_view name, std::string_view metric, const Labels& own,
                         const HostRecord& host) {
  if (name == kNameLabel) return metric;
  for (const Label& l : own) {
    if (l.name == name) return l.value;
  }
  if (name == "host") return host.name;
  for (const Label& l : host.labels) {
    if (l.name == name) return l.value;
  }
  return {};
}

// MatchesAll(matchers, FullLabels(metric, own, host)), without building the label set.
bool MatchesSeries(const std::vector<Matcher>& matchers, std::string_view metric, const Labels& own,
                   const HostRecord& host) {
  return std::all_of(matchers.begin(), matchers.end(), [&](const Matcher& m) {
    return m.Matches(ValueOf(m.name(), metric, own, host));
  });
}

// `__name__` + `own` + `host` + the host's labels, a label of `own` winning over a host
// label of the same name (as /metrics renders it). Sorted.
Labels FullLabels(std::string_view metric, const Labels& own, const HostRecord& host) {
  Labels out;
  out.reserve(own.size() + host.labels.size() + 2);
  out = own;
  if (!HasLabel(own, "host")) out.push_back({"host", host.name});
  for (const Label& l : host.labels) {
    if (!HasLabel(own, l.name)) out.push_back(l);
  }
  out.push_back({std::string(kNameLabel), std::string(metric)});
  std::sort(out.begin(), out.end());
  return out;
}

// How long a host or a series may stay silent before /metrics drops it.
int64_t StaleWindowMs(const StateOptions& options, const HostView& h) {
  const int64_t interval =
      h.record().interval_ms > 0 ? h.record().interval_ms : options.default_interval_ms;
  return interval * options.stale_after_intervals;
}

// When /metrics stopped showing `latest`'s series, if it did: its host went down, or the
// series fell behind the host's newest sample by more than the stale window.
std::optional<int64_t> GoneAt(const HostView& h, int64_t window_ms, const Point& latest) {
  std::optional<int64_t> gone;
  if (!h.up()) {
    gone = h.record().last_seen_ms + window_ms;
  } else if (latest.timestamp_ms < h.last_sample_ms() - window_ms) {
    gone = latest.timestamp_ms + window_ms;
  }
  // After the last point even when the agent's clock runs ahead of the daemon's.
  if (gone) gone = std::max(*gone, latest.timestamp_ms + 1);
  return gone;
}

struct Found {
  Labels labels;
  std::vector<Point> points;
};

}  // namespace

void StateQueryable::Select(
    const std::vector<Matcher>& matchers, int64_t mint_ms, int64_t maxt_ms,
    const std::function<void(const Labels&, const std::vector<promql::Point>&)>& fn) const {
  SelectOwned(matchers, mint_ms, maxt_ms, /*newest_only=*/false,
              [&](Labels&& labels, std::vector<promql::Point>&& points) { fn(labels, points); });
}

void StateQueryable::SelectLatest(
    const std::vector<Matcher>& matchers, int64_t mint_ms, int64_t maxt_ms,
    const std::function<void(const Labels&, const std::vector<promql::Point>&)>& fn) const {
  SelectOwned(matchers, mint_ms, maxt_ms, /*newest_only=*/true,
              [&](Labels&& labels, std::vector<promql::Point>&& points) { fn(labels, points); });
}

void StateQueryable::SelectOwned(const std::vector<Matcher>& matchers, int64_t mint_ms,
                                 int64_t maxt_ms, bool newest_only, const SelectOwnedFn& fn) const {
  if (mint_ms > maxt_ms) return;
  const std::string* name = EqualityValue(matchers, kNameLabel);
  const std::string* host = EqualityValue(matchers, "host");

  std::vector<Found> found;
  state_.VisitHosts(host, [&](const HostView& h) {
    const HostRecord& record = h.record();
    // The derived series, as state_metrics.cc exposes them: one point at maxt.
    const std::pair<std::string_view, double> derived[] = {
        {"vigie_host_up", h.up() ? 1 : 0},
        {"vigie_host_connected", h.connected() ? 1 : 0},
        {"vigie_host_series", static_cast<double>(h.series_count())},
        {"vigie_host_last_report_timestamp_seconds",
         static_cast<double>(record.last_seen_ms) / 1000.0},
    };
    for (const auto& [metric, value] : derived) {
      if (name != nullptr && *name != metric) continue;
      if (!MatchesSeries(matchers, metric, {}, record)) continue;
      found.push_back({FullLabels(metric, {}, record), {Point{maxt_ms, value}}});
    }

    const int64_t window_ms = StaleWindowMs(state_.options(), h);
    auto visit = [&](const Series& s) {
      if (!MatchesSeries(matchers, s.metric, s.labels, record)) return;
      auto latest = s.ring.Latest();
      if (!latest) return;
      const std::optional<int64_t> gone = GoneAt(h, window_ms, *latest);
      const bool marker = gone && *gone >= mint_ms && *gone <= maxt_ms;  // after every point
      std::vector<Point> points;
      if (!newest_only) {
        s.ring.VisitRange(mint_ms, maxt_ms, [&](const Point& p) { points.push_back(p); });
      } else if (!marker) {
        if (latest->timestamp_ms <= maxt_ms) {
          if (latest->timestamp_ms >= mint_ms) points.push_back(*latest);
        } else {  // evaluated in the past: the newest point at or before maxt
          s.ring.VisitRange(mint_ms, maxt_ms, [&](const Point& p) { points.assign(1, p); });
        }
      }
      if (marker) points.push_back({*gone, promql::StaleNaN()});
      if (points.empty()) return;
      found.push_back({FullLabels(s.metric, s.labels, record), std::move(points)});
    };
    if (name != nullptr) {
      h.VisitMetric(*name, visit);  // through the index by name
    } else {
      h.VisitSeries(visit);
    }
  });
  // Outside the hosts' locks.
  for (Found& f : found) fn(std::move(f.labels), std::move(f.points));
}

}  // namespace vigie::daemon
