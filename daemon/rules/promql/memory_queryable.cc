#include "daemon/rules/promql/memory_queryable.h"

#include <utility>

namespace vigie::daemon::promql {

absl::Status MemoryQueryable::Add(Labels labels, const std::vector<Point>& points) {
  if (absl::Status st = NormalizeLabels(labels); !st.ok()) return st;
  auto& stored = series_[std::move(labels)];
  for (const Point& p : points) stored[p.timestamp_ms] = p.value;
  return absl::OkStatus();
}

void MemoryQueryable::Select(
    const std::vector<Matcher>& matchers, int64_t mint_ms, int64_t maxt_ms,
    const std::function<void(const Labels&, const std::vector<Point>&)>& fn) const {
  std::vector<Point> points;
  for (const auto& [labels, stored] : series_) {
    if (!MatchesAll(matchers, labels)) continue;
    points.clear();
    for (auto it = stored.lower_bound(mint_ms); it != stored.end() && it->first <= maxt_ms; ++it) {
      points.push_back({it->first, it->second});
    }
    if (!points.empty()) fn(labels, points);
  }
}

}  // namespace vigie::daemon::promql
