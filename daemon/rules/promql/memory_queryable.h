// MemoryQueryable: a Queryable over series held in a map (labels -> points), for tests and
// `vigied test-rules`.
//
// Thread-safety: thread-compatible. Select() is const and may run concurrently with other
// const calls; Add/Append need external synchronization.
#pragma once

#include <map>
#include <vector>

#include "absl/status/status.h"
#include "daemon/rules/promql/promql.h"

namespace vigie::daemon::promql {

class MemoryQueryable : public Queryable {
 public:
  // Adds points to the series `labels` (which must include __name__ to be selected by
  // name). Labels are sorted here; a duplicate label name is an error. Points are kept in
  // time order; a point at an existing timestamp replaces it.
  absl::Status Add(Labels labels, const std::vector<Point>& points);

  void Select(
      const std::vector<Matcher>& matchers, int64_t mint_ms, int64_t maxt_ms,
      const std::function<void(const Labels&, const std::vector<Point>&)>& fn) const override;

  size_t num_series() const { return series_.size(); }

 private:
  std::map<Labels, std::map<int64_t, double>> series_;
};

}  // namespace vigie::daemon::promql
