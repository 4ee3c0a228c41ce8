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
int64_t StaleWindowMs(const StateOptions& options, const HostStatus& h) {
  const int64_t interval =
      h.record.interval_ms > 0 ? h.record.interval_ms : options.default_interval_ms;
  return interval * options.stale_after_intervals;
}

// When /metrics stopped showing `latest`'s series, if it did: its host went down, or the
// series fell behind the host's newest sample by more than the stale window.
std::optional<int64_t> GoneAt(const HostStatus& h, int64_t window_ms, const Point& latest) {
  std::optional<int64_t> gone;
  if (!h.up) {
    gone = h.record.last_seen_ms + window_ms;
  } else if (latest.timestamp_ms < h.last_sample_ms - window_ms) {
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
  if (mint_ms > maxt_ms) return;
  const std::string* name = EqualityValue(matchers, kNameLabel);
  const std::string* host = EqualityValue(matchers, "host");

  std::vector<HostStatus> hosts;
  if (host != nullptr) {
    if (auto h = state_.GetHost(*host)) hosts.push_back(std::move(*h));
  } else {
    hosts = state_.ListHosts();
  }

  std::vector<Found> found;
  for (const HostStatus& h : hosts) {
    found.clear();
    // The derived series, as state_metrics.cc exposes them: one point at maxt.
    const std::pair<std::string_view, double> derived[] = {
        {"vigie_host_up", h.up ? 1 : 0},
        {"vigie_host_connected", h.connected ? 1 : 0},
        {"vigie_host_series", static_cast<double>(h.series_count)},
        {"vigie_host_last_report_timestamp_seconds",
         static_cast<double>(h.record.last_seen_ms) / 1000.0},
    };
    for (const auto& [metric, value] : derived) {
      if (name != nullptr && *name != metric) continue;
      Labels labels = FullLabels(metric, {}, h.record);
      if (!MatchesAll(matchers, labels)) continue;
      found.push_back({std::move(labels), {Point{maxt_ms, value}}});
    }

    const int64_t window_ms = StaleWindowMs(state_.options(), h);
    state_.VisitSeries(h.record.name, [&](const Series& s) {
      if (name != nullptr && s.metric != *name) return;
      auto latest = s.ring.Latest();
      if (!latest) return;
      Labels labels = FullLabels(s.metric, s.labels, h.record);
      if (!MatchesAll(matchers, labels)) return;
      Found f{std::move(labels), {}};
      s.ring.VisitRange(mint_ms, maxt_ms, [&](const Point& p) { f.points.push_back(p); });
      if (auto gone = GoneAt(h, window_ms, *latest); gone && *gone >= mint_ms && *gone <= maxt_ms) {
        f.points.push_back({*gone, promql::StaleNaN()});
      }
      if (!f.points.empty()) found.push_back(std::move(f));
    });
    // Outside the host's lock.
    for (const Found& f : found) fn(f.labels, f.points);
  }
}

}  // namespace vigie::daemon
