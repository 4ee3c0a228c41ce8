// The rule expression language: a documented subset of PromQL (docs/rule-language.md).
//
// ParseExpr() turns expression text into an immutable AST; EvalInstant() evaluates it at
// one instant over a Queryable (the daemon's in-memory series, or a MemoryQueryable in
// tests). Results follow Prometheus 2.x semantics: staleness lookback, extrapolated
// rate/increase/delta, metric-name dropping, one-to-one, group_left/right and set vector
// matching. Vectors in results are sorted by labels, so output is deterministic.
//
// Errors are absl::Status values. Parse errors are InvalidArgument with a message that
// starts with "<line>:<col>: " (1-based, relative to the expression text); evaluation
// errors (e.g. many-to-many matching) are InvalidArgument with Prometheus-like messages.
//
// Thread-safety: ParseExpr and EvalInstant are pure functions. An Expr is immutable after
// parsing and may be shared and evaluated by several threads at once. A Queryable must
// allow concurrent const calls if it is shared that way.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "common/labels.h"
#include "common/matcher.h"
#include "daemon/state/series_ring.h"

namespace vigie::daemon::promql {

// One timestamped value (timestamp_ms, value).
using Point = vigie::daemon::Point;

struct Sample {
  Labels metric;  // sorted; includes "__name__" when kept
  double value = 0;
  int64_t t_ms = 0;
};
using Vector = std::vector<Sample>;

struct Series {
  Labels metric;
  std::vector<Point> points;  // time order
};
using Matrix = std::vector<Series>;

struct Value {
  enum Kind { kScalar, kVector, kMatrix, kString };
  Kind kind = kScalar;
  double scalar = 0;  // kScalar
  Vector vector;      // kVector
  Matrix matrix;      // kMatrix
  std::string str;    // kString
};

// Prometheus' staleness marker: a NaN with a distinct payload. Selectors ignore it.
double StaleNaN();
bool IsStaleNaN(double v);

// `name{a="b"}` with the metric name outside the braces, `{}` for an empty label set.
std::string FormatMetric(const Labels& labels);

// What the evaluator reads.
class Queryable {
 public:
  virtual ~Queryable() = default;
  // Calls fn for every series (labels include __name__) matching all matchers, with its
  // points in [mint_ms, maxt_ms], in time order.
  virtual void Select(
      const std::vector<Matcher>& matchers, int64_t mint_ms, int64_t maxt_ms,
      const std::function<void(const Labels&, const std::vector<Point>&)>& fn) const = 0;
  // What an instant-vector selector reads: as Select, but fn gets only the newest of each
  // series' points in [mint_ms, maxt_ms] (which may be a staleness marker). The default keeps
  // the last point of Select's; an implementation may avoid copying the others.
  virtual void SelectLatest(
      const std::vector<Matcher>& matchers, int64_t mint_ms, int64_t maxt_ms,
      const std::function<void(const Labels&, const std::vector<Point>&)>& fn) const;
  // What the evaluator calls: SelectLatest (newest_only) or Select, but fn owns the label
  // set and points it is handed and may move from them. The default copies what Select or
  // SelectLatest give; an implementation that builds them may hand them over instead.
  using SelectOwnedFn = std::function<void(Labels&&, std::vector<Point>&&)>;
  virtual void SelectOwned(const std::vector<Matcher>& matchers, int64_t mint_ms, int64_t maxt_ms,
                           bool newest_only, const SelectOwnedFn& fn) const;
};

class Expr;  // AST (expr.h), immutable after parse, shareable across threads

// Limits against pathological input.
inline constexpr int kMaxNestingDepth = 128;
inline constexpr int64_t kMaxRangeMs = 7LL * 24 * 3600 * 1000;  // selector range and offset

absl::StatusOr<std::shared_ptr<const Expr>> ParseExpr(std::string_view text);

// Parses a PromQL duration ("5m", "1h30m", "250ms"; units ms s m h d w y) into ms.
absl::StatusOr<int64_t> ParseDuration(std::string_view text);
// Renders ms as a PromQL duration ("1h30m", "0s").
std::string FormatDuration(int64_t ms);

// Canonical form, for messages and `vigiectl`. Parsing it again gives the same AST.
std::string ExprToString(const Expr& expr);

struct EvalOptions {
  int64_t lookback_ms = 300'000;  // instant-vector staleness lookback
  // Added to the matchers of every selector, as if written in its braces (absent()'s labels
  // included): `host="h"` evaluates a host-separable expression for host h only.
  std::vector<Matcher> selector_matchers;
};

// Whether `expr` is host-separable: it yields a vector whose every sample has the `host`
// label of the series it was computed from and depends only on that host's series. Then its
// result for host h (the samples with host="h") is exactly what it yields when evaluated
// with `host="h"` added to every selector (EvalOptions::selector_matchers), which reads
// only h's series. Separable: selectors; numbers and time() as scalar operands; unary minus;
// functions but absent(), absent_over_time(), vector() and scalar(); aggregations that keep
// `host` (`by (host, ...)`, or `without (...)` not listing it); binary operations with a
// scalar side that is separable-constant, or between two separable vectors matched on labels
// that include `host` (no on/ignoring, `on(host, ...)`, or `ignoring(...)` without `host`).
// Conservative: false for anything else (a scalar result, sum(x), x / on(env) y, ...).
bool IsHostSeparable(const Expr& expr);

absl::StatusOr<Value> EvalInstant(const Expr& expr, int64_t t_ms, const Queryable& q,
                                  const EvalOptions& options = {});

}  // namespace vigie::daemon::promql
