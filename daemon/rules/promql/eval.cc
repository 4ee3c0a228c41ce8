// Instant evaluation of the rule expression language, following Prometheus 2.x semantics
// (promql/engine.go and promql/functions.go, read for behaviour, not copied).

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "common/status.h"
#include "common/strings.h"
#include "daemon/rules/promql/expr.h"
#include "daemon/rules/promql/promql.h"
#include "fmt/format.h"

namespace vigie::daemon::promql {
namespace {

constexpr std::string_view kMetricName = "__name__";
constexpr uint64_t kStaleNaNBits = 0x7ff0000000000002ULL;

void DropMetricName(Labels& labels) {
  std::erase_if(labels, [](const Label& l) { return l.name == kMetricName; });
}

bool Contains(const std::vector<std::string>& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// The labels that identify a match group: only `names` (on), or all but `names` and
// __name__ (ignoring).
Labels MatchingLabels(const Labels& labels, bool on, const std::vector<std::string>& names) {
  Labels out;
  for (const Label& l : labels) {
    bool listed = Contains(names, l.name);
    if (on ? listed : (!listed && l.name != kMetricName)) out.push_back(l);
  }
  return out;
}

std::string Key(const Labels& labels) {
  size_t size = 0;
  for (const Label& l : labels) size += l.name.size() + l.value.size() + 2;
  std::string key;
  key.reserve(size);
  for (const Label& l : labels) {
    key.append(l.name);
    key.push_back('\xff');
    key.append(l.value);
    key.push_back('\xff');
  }
  return key;
}

// Whether `l` identifies a match group (MatchingLabels keeps it).
bool InGroup(const Label& l, bool on, const std::vector<std::string>& names) {
  const bool listed = Contains(names, l.name);
  return on ? listed : (!listed && l.name != kMetricName);
}

// A 64-bit hash of MatchingLabels(labels, on, names), without building it. Equal groups have
// equal hashes; callers compare groups (SameGroup) to rule out a collision.
uint64_t GroupHash(const Labels& labels, bool on, const std::vector<std::string>& names) {
  FingerprintBuilder b;
  for (const Label& l : labels) {
    if (!InGroup(l, on, names)) continue;
    b.Add(l.name);
    b.Add(l.value);
  }
  return b.value();
}

// MatchingLabels(a, on, names) == MatchingLabels(b, on, names), without building them.
bool SameGroup(const Labels& a, const Labels& b, bool on, const std::vector<std::string>& names) {
  auto ia = a.begin();
  auto ib = b.begin();
  for (;;) {
    while (ia != a.end() && !InGroup(*ia, on, names)) ++ia;
    while (ib != b.end() && !InGroup(*ib, on, names)) ++ib;
    if (ia == a.end() || ib == b.end()) return ia == a.end() && ib == b.end();
    if (ia->name != ib->name || ia->value != ib->value) return false;
    ++ia;
    ++ib;
  }
}

uint64_t LabelsHash(const Labels& labels) {
  FingerprintBuilder b;
  for (const Label& l : labels) {
    b.Add(l.name);
    b.Add(l.value);
  }
  return b.value();
}

absl::Status CheckUniqueLabelsets(const Vector& v) {
  // Hashes sorted, then equal hashes compared: no per-sample allocation.
  std::vector<std::pair<uint64_t, const Labels*>> hashes;
  hashes.reserve(v.size());
  for (const Sample& s : v) hashes.emplace_back(LabelsHash(s.metric), &s.metric);
  std::sort(hashes.begin(), hashes.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  for (size_t i = 1; i < hashes.size(); ++i) {
    for (size_t j = i; j > 0 && hashes[j - 1].first == hashes[i].first; --j) {
      if (*hashes[j - 1].second == *hashes[i].second) {
        return absl::InvalidArgumentError("vector cannot contain metrics with the same labelset");
      }
    }
  }
  return absl::OkStatus();
}

// log(x) for a finite x > 0 as Go's math.Log computes it (the fdlibm algorithm; glibc's
// log can differ in the last bit).
double GoLog(double x) {
  constexpr double kLn2Hi = 6.93147180369123816490e-01;
  constexpr double kLn2Lo = 1.90821492927058770002e-10;
  constexpr double kL1 = 6.666666666666735130e-01;
  constexpr double kL2 = 3.999999999940941908e-01;
  constexpr double kL3 = 2.857142874366239149e-01;
  constexpr double kL4 = 2.222219843214978396e-01;
  constexpr double kL5 = 1.818357216161805012e-01;
  constexpr double kL6 = 1.531383769920937332e-01;
  constexpr double kL7 = 1.479819860511658591e-01;
  int ki;
  double f1 = std::frexp(x, &ki);
  if (f1 < M_SQRT2 / 2) {
    f1 *= 2;
    --ki;
  }
  const double f = f1 - 1;
  const double k = ki;
  const double s = f / (2 + f);
  const double s2 = s * s;
  const double s4 = s2 * s2;
  const double t1 = s2 * (kL1 + s4 * (kL3 + s4 * (kL5 + s4 * kL7)));
  const double t2 = s4 * (kL2 + s4 * (kL4 + s4 * kL6));
  const double r = t1 + t2;
  const double hfsq = 0.5 * f * f;
  return k * kLn2Hi - ((hfsq - (s * (hfsq + r) + k * kLn2Lo)) - f);
}

// x^y computed as Go's math.Pow does (Prometheus is written in Go): integer powers by
// repeated squaring, the fractional part by exp(yf*log(x)). glibc's pow() is correctly
// rounded and can differ from it in the last bit, which promtool's exact comparison sees.
double GoPow(double x, double y) {
  if (y == 0 || x == 1) return 1;
  if (y == 1) return x;
  if (std::isnan(x) || std::isnan(y)) return std::nan("");
  if (x == 0 || std::isinf(y) || std::isinf(x) || y == 0.5 || y == -0.5) {
    return std::pow(x, y);  // the special cases agree with C's pow
  }
  double yi;
  double yf = std::modf(std::fabs(y), &yi);
  if (yf != 0 && x < 0) return std::nan("");
  if (yi >= 9.223372036854775808e18) {
    // A huge even integer power: overflow, underflow or 1, as C's pow says.
    return std::pow(x, y);
  }
  double a1 = 1;
  int64_t ae = 0;
  if (yf != 0) {
    if (yf > 0.5) {
      yf -= 1;
      yi += 1;
    }
    a1 = std::exp(yf * GoLog(x));
  }
  int xe_int;
  double x1 = std::frexp(x, &xe_int);
  int64_t xe = xe_int;
  for (auto i = static_cast<int64_t>(yi); i != 0; i >>= 1) {
    if (xe < -(1 << 12) || (1 << 12) < xe) {
      ae += xe;  // catastrophic overflow: let ldexp handle it
      break;
    }
    if ((i & 1) == 1) {
      a1 *= x1;
      ae += xe;
    }
    x1 *= x1;
    xe <<= 1;
    if (x1 < 0.5) {
      x1 += x1;
      --xe;
    }
  }
  if (y < 0) {
    a1 = 1 / a1;
    ae = -ae;
  }
  ae = std::clamp<int64_t>(ae, -100000, 100000);
  return std::ldexp(a1, static_cast<int>(ae));
}

// Returns the result of `lhs op rhs` and whether a comparison holds (true for arithmetic).
std::pair<double, bool> ElemBinop(BinOp op, double lhs, double rhs) {
  switch (op) {
    case BinOp::kAdd:
      return {lhs + rhs, true};
    case BinOp::kSub:
      return {lhs - rhs, true};
    case BinOp::kMul:
      return {lhs * rhs, true};
    case BinOp::kDiv:
      return {lhs / rhs, true};
    case BinOp::kMod:
      return {std::fmod(lhs, rhs), true};
    case BinOp::kPow:
      return {GoPow(lhs, rhs), true};
    case BinOp::kEq:
      return {lhs, lhs == rhs};
    case BinOp::kNe:
      return {lhs, lhs != rhs};
    case BinOp::kGt:
      return {lhs, lhs > rhs};
    case BinOp::kLt:
      return {lhs, lhs < rhs};
    case BinOp::kGe:
      return {lhs, lhs >= rhs};
    case BinOp::kLe:
      return {lhs, lhs <= rhs};
    default:
      return {0, false};  // set operators never reach here
  }
}

// Prometheus' extrapolatedRate: the increase over the points, corrected for counter resets
// and extrapolated towards the range boundaries (at most 1.1x the average interval, and
// never below zero for counters). Needs at least two points.
double ExtrapolatedRate(const std::vector<Point>& points, int64_t range_start_ms,
                        int64_t range_end_ms, int64_t range_ms, bool is_counter, bool is_rate) {
  const Point& first = points.front();
  const Point& last = points.back();
  double result = last.value - first.value;
  if (is_counter) {
    double prev = first.value;
    for (size_t i = 1; i < points.size(); ++i) {
      if (points[i].value < prev) result += prev;
      prev = points[i].value;
    }
  }
  double duration_to_start = static_cast<double>(first.timestamp_ms - range_start_ms) / 1000;
  double duration_to_end = static_cast<double>(range_end_ms - last.timestamp_ms) / 1000;
  double sampled_interval = static_cast<double>(last.timestamp_ms - first.timestamp_ms) / 1000;
  double average_interval = sampled_interval / static_cast<double>(points.size() - 1);
  if (is_counter && result > 0 && first.value >= 0) {
    double duration_to_zero = sampled_interval * (first.value / result);
    if (duration_to_zero < duration_to_start) duration_to_start = duration_to_zero;
  }
  double threshold = average_interval * 1.1;
  double extrapolate_to = sampled_interval;
  extrapolate_to += duration_to_start < threshold ? duration_to_start : average_interval / 2;
  extrapolate_to += duration_to_end < threshold ? duration_to_end : average_interval / 2;
  double factor = extrapolate_to / sampled_interval;
  if (is_rate) factor /= static_cast<double>(range_ms) / 1000;
  return result * factor;
}

// Least-squares fit of the points with x = seconds relative to `intercept_ms`.
std::pair<double, double> LinearRegression(const std::vector<Point>& points, int64_t intercept_ms) {
  double n = 0, sum_x = 0, sum_y = 0, sum_xy = 0, sum_x2 = 0;
  const double init_y = points.front().value;
  bool const_y = true;
  for (size_t i = 0; i < points.size(); ++i) {
    const Point& p = points[i];
    if (const_y && i > 0 && p.value != init_y) const_y = false;
    n += 1;
    double x = static_cast<double>(p.timestamp_ms - intercept_ms) / 1e3;
    sum_x += x;
    sum_y += p.value;
    sum_xy += x * p.value;
    sum_x2 += x * x;
  }
  if (const_y) {
    if (std::isinf(init_y)) return {std::nan(""), std::nan("")};
    return {0, init_y};
  }
  double cov_xy = sum_xy - sum_x * sum_y / n;
  double var_x = sum_x2 - sum_x * sum_x / n;
  double slope = cov_xy / var_x;
  double intercept = sum_y / n - slope * sum_x / n;
  return {slope, intercept};
}

// One step of compensated (Kahan-Neumaier) summation, as Prometheus' kahanSumInc.
void KahanAdd(double inc, double& sum, double& c) {
  const double t = sum + inc;
  if (std::fabs(sum) >= std::fabs(inc)) {
    c += (sum - t) + inc;
  } else {
    c += (inc - t) + sum;
  }
  sum = t;
}

// Compensated sum, as Prometheus' sum_over_time.
class KahanSum {
 public:
  void Add(double inc) { KahanAdd(inc, sum_, c_); }
  double value() const { return std::isinf(sum_) ? sum_ : sum_ + c_; }

 private:
  double sum_ = 0;
  double c_ = 0;
};

// Incremental mean as Prometheus computes avg (plain) and avg_over_time (compensated); both
// keep +-Inf stable.
class Mean {
 public:
  explicit Mean(bool compensated) : compensated_(compensated) {}

  void Add(double v) {
    count_ += 1;
    if (std::isinf(mean_)) {
      if (std::isinf(v) && (mean_ > 0) == (v > 0)) return;
      if (!std::isinf(v) && !std::isnan(v)) return;
    }
    const double inc = v / count_ - mean_ / count_;
    if (compensated_) {
      KahanAdd(inc, mean_, c_);
    } else {
      mean_ += inc;
    }
  }
  double value() const { return std::isinf(mean_) ? mean_ : mean_ + c_; }

 private:
  bool compensated_;
  double mean_ = 0;
  double c_ = 0;
  double count_ = 0;
};

// Labels for absent()/absent_over_time(): the equality matchers of the selector (`matchers`:
// its matchers, plus EvalOptions::selector_matchers).
Labels AbsentLabels(const Expr& arg, const std::vector<Matcher>& matchers) {
  Labels out;
  if (arg.kind != ExprKind::kVectorSelector && arg.kind != ExprKind::kMatrixSelector) return out;
  std::set<std::string> has;
  for (const Matcher& m : matchers) {
    if (m.name() == kMetricName) continue;
    std::erase_if(out, [&](const Label& l) { return l.name == m.name(); });
    if (m.op() == MatchOp::kEqual && !has.contains(m.name())) {
      out.push_back({m.name(), m.value()});
      has.insert(m.name());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

Value ScalarValue(double v) {
  Value out;
  out.kind = Value::kScalar;
  out.scalar = v;
  return out;
}

Value VectorValue(Vector v) {
  Value out;
  out.kind = Value::kVector;
  out.vector = std::move(v);
  return out;
}

class Evaluator {
 public:
  Evaluator(int64_t t_ms, const Queryable& q, const EvalOptions& options)
      : t_(t_ms), q_(q), options_(options) {}

  absl::StatusOr<Value> Eval(const Expr& e) {
    switch (e.kind) {
      case ExprKind::kNumber:
        return ScalarValue(e.number);
      case ExprKind::kString: {
        Value v;
        v.kind = Value::kString;
        v.str = e.str;
        return v;
      }
      case ExprKind::kVectorSelector:
        return VectorValue(SelectVector(e));
      case ExprKind::kMatrixSelector: {
        Value v;
        v.kind = Value::kMatrix;
        v.matrix = SelectMatrix(e);
        return v;
      }
      case ExprKind::kParen:
        return Eval(*e.args[0]);
      case ExprKind::kUnary: {
        VIGIE_ASSIGN_OR_RETURN(Value v, Eval(*e.args[0]));
        if (v.kind == Value::kScalar) return ScalarValue(-v.scalar);
        for (Sample& s : v.vector) {
          s.value = -s.value;
          DropMetricName(s.metric);
        }
        VIGIE_RETURN_IF_ERROR(CheckUniqueLabelsets(v.vector));
        return v;
      }
      case ExprKind::kBinary:
        return EvalBinary(e);
      case ExprKind::kAggregate:
        return EvalAggregate(e);
      case ExprKind::kCall:
        return EvalCall(e);
    }
    return absl::InternalError("unknown expression kind");
  }

 private:
  // The selector's matchers, plus options_.selector_matchers (copied into `scratch`).
  const std::vector<Matcher>& Matchers(const Expr& e, std::vector<Matcher>& scratch) const {
    if (options_.selector_matchers.empty()) return e.matchers;
    scratch = e.matchers;
    scratch.insert(scratch.end(), options_.selector_matchers.begin(),
                   options_.selector_matchers.end());
    return scratch;
  }

  Labels AbsentLabelsOf(const Expr& arg) const {
    std::vector<Matcher> scratch;
    return AbsentLabels(arg, Matchers(arg, scratch));
  }

  Vector SelectVector(const Expr& e) const {
    const int64_t ref = t_ - e.offset_ms;
    Vector out;
    std::vector<Matcher> scratch;
    q_.SelectOwned(
        Matchers(e, scratch), ref - options_.lookback_ms, ref, /*newest_only=*/true,
        [&](Labels&& labels, std::vector<Point>&& points) {
          for (auto it = points.rbegin(); it != points.rend(); ++it) {
            if (it->timestamp_ms > ref) continue;
            if (it->timestamp_ms >= ref - options_.lookback_ms && !IsStaleNaN(it->value)) {
              out.push_back({std::move(labels), it->value, t_});
            }
            break;
          }
        });
    return out;
  }

  Matrix SelectMatrix(const Expr& e) const {
    const int64_t ref = t_ - e.offset_ms;
    Matrix out;
    std::vector<Matcher> scratch;
    q_.SelectOwned(Matchers(e, scratch), ref - e.range_ms, ref, /*newest_only=*/false,
                   [&](Labels&& labels, std::vector<Point>&& points) {
                     std::erase_if(points, [&](const Point& p) {
                       return p.timestamp_ms < ref - e.range_ms || p.timestamp_ms > ref ||
                              IsStaleNaN(p.value);
                     });
                     if (!points.empty()) out.push_back({std::move(labels), std::move(points)});
                   });
    return out;
  }

  absl::StatusOr<Value> EvalBinary(const Expr& e) {
    VIGIE_ASSIGN_OR_RETURN(Value lhs, Eval(*e.args[0]));
    VIGIE_ASSIGN_OR_RETURN(Value rhs, Eval(*e.args[1]));
    if (lhs.kind == Value::kScalar && rhs.kind == Value::kScalar) {
      auto [v, keep] = ElemBinop(e.op, lhs.scalar, rhs.scalar);
      if (e.return_bool) v = keep ? 1 : 0;
      return ScalarValue(v);
    }
    Vector out;
    if (lhs.kind == Value::kVector && rhs.kind == Value::kVector) {
      if (IsSetOperator(e.op)) {
        return VectorValue(SetOperation(e, std::move(lhs.vector), rhs.vector));
      }
      VIGIE_ASSIGN_OR_RETURN(out, VectorBinop(e, lhs.vector, rhs.vector));
    } else {
      const bool swap = lhs.kind == Value::kScalar;
      Vector& vec = swap ? rhs.vector : lhs.vector;
      const double scalar = swap ? lhs.scalar : rhs.scalar;
      for (Sample& s : vec) {
        double l = swap ? scalar : s.value;
        double r = swap ? s.value : scalar;
        auto [v, keep] = ElemBinop(e.op, l, r);
        // The vector's value is kept by a filter even when it is on the right.
        if (IsComparison(e.op) && swap) v = s.value;
        if (e.return_bool) {
          v = keep ? 1 : 0;
          keep = true;
        }
        if (!keep) continue;
        Sample r_sample{std::move(s.metric), v, t_};  // `vec` is not read again
        if (!IsComparison(e.op) || e.return_bool) DropMetricName(r_sample.metric);
        out.push_back(std::move(r_sample));
      }
    }
    VIGIE_RETURN_IF_ERROR(CheckUniqueLabelsets(out));
    return VectorValue(std::move(out));
  }

  // and/or/unless. Match groups are found by hash (GroupHash), and compared on a hash hit.
  Vector SetOperation(const Expr& e, Vector lhs, const Vector& rhs) const {
    static const std::vector<std::string> kNone;
    const std::vector<std::string>& names = e.has_matching ? e.matching_labels : kNone;
    // One sample of each match group of `v`, by group hash; false when two different groups
    // of `v` have the same hash.
    auto index = [&](const Vector& v, std::unordered_multimap<uint64_t, const Sample*>& out) {
      out.reserve(v.size());
      for (const Sample& s : v) out.emplace(GroupHash(s.metric, e.on, names), &s);
    };
    auto contains = [&](const std::unordered_multimap<uint64_t, const Sample*>& set,
                        const Sample& s) {
      auto [first, last] = set.equal_range(GroupHash(s.metric, e.on, names));
      for (auto it = first; it != last; ++it) {
        if (SameGroup(it->second->metric, s.metric, e.on, names)) return true;
      }
      return false;
    };
    Vector out;
    if (e.op == BinOp::kOr) {
      std::unordered_multimap<uint64_t, const Sample*> left;
      index(lhs, left);
      std::vector<const Sample*> extra;
      for (const Sample& s : rhs) {
        if (!contains(left, s)) extra.push_back(&s);
      }
      out = std::move(lhs);  // `left` points into it; not read any more
      out.reserve(out.size() + extra.size());
      for (const Sample* s : extra) out.push_back(*s);
      return out;
    }
    std::unordered_multimap<uint64_t, const Sample*> right;
    index(rhs, right);
    const bool want = e.op == BinOp::kAnd;
    for (Sample& s : lhs) {
      if (contains(right, s) == want) out.push_back(std::move(s));
    }
    return out;
  }

  // Arithmetic and comparison between two vectors: one-to-one, or many-to-one/one-to-many
  // with group_left/group_right (the "one" side must be unique per match group).
  // Match groups are found by hash (GroupHash) and compared on a hash hit. The "many" side's
  // label sets are moved into the result.
  absl::StatusOr<Vector> VectorBinop(const Expr& e, Vector& lhs, Vector& rhs) const {
    const std::vector<std::string>& names = e.matching_labels;  // empty without on/ignoring
    const bool one_to_many = e.card == Card::kOneToMany;
    Vector& many = one_to_many ? rhs : lhs;
    const Vector& one = one_to_many ? lhs : rhs;
    // Group hash -> the samples of `one` with that hash (one per group, else an error).
    std::unordered_multimap<uint64_t, const Sample*> ones;  // lookups only
    ones.reserve(one.size());
    auto find_one = [&](uint64_t hash, const Labels& labels) -> const Sample* {
      auto [first, last] = ones.equal_range(hash);
      for (auto it = first; it != last; ++it) {
        if (SameGroup(it->second->metric, labels, e.on, names)) return it->second;
      }
      return nullptr;
    };
    for (const Sample& s : one) {
      const uint64_t hash = GroupHash(s.metric, e.on, names);
      if (const Sample* dup = find_one(hash, s.metric)) {
        return absl::InvalidArgumentError(fmt::format(
            "found duplicate series for the match group {} on the {} hand-side of the "
            "operation: [{}, {}];many-to-many matching not allowed: matching labels must be "
            "unique on one side",
            FormatMetric(MatchingLabels(s.metric, e.on, names)), one_to_many ? "left" : "right",
            FormatMetric(dup->metric), FormatMetric(s.metric)));
      }
      ones.emplace(hash, &s);
    }
    Vector out;
    // One-to-one: the `one` samples matched so far (a match group is one `one` sample).
    std::unordered_set<const Sample*> matched_once;
    // Many-to-one: per `one` sample, the result label sets produced for its group.
    std::unordered_map<const Sample*, std::unordered_multimap<uint64_t, size_t>> matched;
    for (Sample& ms : many) {
      const Sample* found = find_one(GroupHash(ms.metric, e.on, names), ms.metric);
      if (found == nullptr) continue;
      const Sample& os = *found;
      const double l = one_to_many ? os.value : ms.value;
      const double r = one_to_many ? ms.value : os.value;
      auto [v, keep] = ElemBinop(e.op, l, r);
      if (e.return_bool) {
        v = keep ? 1 : 0;
      } else if (!keep) {
        continue;
      }
      Sample s{std::move(ms.metric), v, t_};  // `many` is not read again
      if (!IsComparison(e.op) || e.return_bool) DropMetricName(s.metric);
      if (e.card == Card::kOneToOne) {
        if (e.has_matching) {
          std::erase_if(s.metric,
                        [&](const Label& lb) { return Contains(names, lb.name) != e.on; });
        }
        if (!matched_once.insert(&os).second) {
          return absl::InvalidArgumentError(
              "multiple matches for labels: many-to-one matching must be explicit "
              "(group_left/group_right)");
        }
        out.push_back(std::move(s));
        continue;
      }
      for (const std::string& name : e.include) {
        std::erase_if(s.metric, [&](const Label& lb) { return lb.name == name; });
        for (const Label& lb : os.metric) {
          if (lb.name == name && !lb.value.empty()) s.metric.push_back(lb);
        }
      }
      std::sort(s.metric.begin(), s.metric.end());
      auto& results = matched[&os];
      const uint64_t hash = LabelsHash(s.metric);
      auto [first, last] = results.equal_range(hash);
      for (auto it = first; it != last; ++it) {
        if (out[it->second].metric == s.metric) {
          return absl::InvalidArgumentError(
              "multiple matches for labels: grouping labels must ensure unique matches");
        }
      }
      results.emplace(hash, out.size());
      out.push_back(std::move(s));
    }
    return out;
  }

  absl::StatusOr<Value> EvalAggregate(const Expr& e) {
    double param = 0;
    if (e.args.size() == 2) {
      VIGIE_ASSIGN_OR_RETURN(Value p, Eval(*e.args[0]));
      param = p.scalar;
    }
    VIGIE_ASSIGN_OR_RETURN(Value in, Eval(*e.args.back()));
    struct Group {
      Labels labels;
      double value = 0;
      Mean mean{false};
      std::vector<const Sample*> samples;  // topk/bottomk
    };
    // Groups in order of appearance, found by the hash of their labels (GroupHash with
    // on = by), compared on a hash hit.
    std::vector<Group> groups;
    std::unordered_multimap<uint64_t, size_t> group_index;
    const bool by = !e.without;
    for (const Sample& s : in.vector) {
      const uint64_t hash = GroupHash(s.metric, by, e.grouping);
      Group* found = nullptr;
      auto [first, last] = group_index.equal_range(hash);
      for (auto it = first; it != last; ++it) {
        if (SameGroup(groups[it->second].samples[0]->metric, s.metric, by, e.grouping)) {
          found = &groups[it->second];
          break;
        }
      }
      if (found == nullptr) {
        group_index.emplace(hash, groups.size());
        Group& g = groups.emplace_back();
        g.labels = MatchingLabels(s.metric, by, e.grouping);
        g.value = s.value;
        g.mean.Add(s.value);
        g.samples.push_back(&s);
        continue;
      }
      Group& g = *found;
      switch (e.agg) {
        case AggOp::kSum:
          g.value += s.value;
          break;
        case AggOp::kAvg:
          g.mean.Add(s.value);
          break;
        case AggOp::kMin:
          if (g.value > s.value || std::isnan(g.value)) g.value = s.value;
          break;
        case AggOp::kMax:
          if (g.value < s.value || std::isnan(g.value)) g.value = s.value;
          break;
        case AggOp::kCount:
        case AggOp::kTopk:
        case AggOp::kBottomk:
          g.samples.push_back(&s);
          break;
      }
    }
    // In the order of the groups' keys, as before hashing (a std::map by Key).
    std::vector<std::pair<std::string, Group*>> ordered;
    ordered.reserve(groups.size());
    for (Group& g : groups) ordered.emplace_back(Key(g.labels), &g);
    std::sort(ordered.begin(), ordered.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    Vector out;
    for (auto& [key, gp] : ordered) {
      Group& g = *gp;
      switch (e.agg) {
        case AggOp::kAvg:
          out.push_back({std::move(g.labels), g.mean.value(), t_});
          break;
        case AggOp::kCount:
          out.push_back({std::move(g.labels), static_cast<double>(g.samples.size()), t_});
          break;
        case AggOp::kTopk:
        case AggOp::kBottomk:
          VIGIE_RETURN_IF_ERROR(AppendTopK(e.agg == AggOp::kTopk, param, g.samples, out));
          break;
        default:
          out.push_back({std::move(g.labels), g.value, t_});
      }
    }
    return VectorValue(std::move(out));
  }

  absl::Status AppendTopK(bool top, double param, std::vector<const Sample*>& samples,
                          Vector& out) const {
    if (std::isnan(param)) return absl::InvalidArgumentError("Parameter value is NaN");
    if (param < 1) return absl::OkStatus();
    size_t k =
        param >= static_cast<double>(samples.size()) ? samples.size() : static_cast<size_t>(param);
    // NaN sorts last either way.
    std::stable_sort(samples.begin(), samples.end(), [top](const Sample* a, const Sample* b) {
      if (std::isnan(a->value)) return false;
      if (std::isnan(b->value)) return true;
      return top ? a->value > b->value : a->value < b->value;
    });
    for (size_t i = 0; i < k; ++i) out.push_back({samples[i]->metric, samples[i]->value, t_});
    return absl::OkStatus();
  }

  absl::StatusOr<Value> EvalCall(const Expr& e) {
    switch (e.func) {
      case Func::kTime:
        return ScalarValue(static_cast<double>(t_) / 1000);
      case Func::kVector: {
        VIGIE_ASSIGN_OR_RETURN(Value v, Eval(*e.args[0]));
        return VectorValue({Sample{{}, v.scalar, t_}});
      }
      case Func::kScalar: {
        VIGIE_ASSIGN_OR_RETURN(Value v, Eval(*e.args[0]));
        return ScalarValue(v.vector.size() == 1 ? v.vector[0].value : std::nan(""));
      }
      case Func::kAbsent: {
        VIGIE_ASSIGN_OR_RETURN(Value v, Eval(*e.args[0]));
        if (!v.vector.empty()) return VectorValue({});
        return VectorValue({Sample{AbsentLabelsOf(*e.args[0]), 1, t_}});
      }
      case Func::kAbs:
      case Func::kClampMin:
      case Func::kClampMax:
        return EvalInstantFunction(e);
      default:
        return EvalRangeFunction(e);
    }
  }

  absl::StatusOr<Value> EvalInstantFunction(const Expr& e) {
    VIGIE_ASSIGN_OR_RETURN(Value v, Eval(*e.args[0]));
    double bound = 0;
    if (e.args.size() == 2) {
      VIGIE_ASSIGN_OR_RETURN(Value b, Eval(*e.args[1]));
      bound = b.scalar;
    }
    for (Sample& s : v.vector) {
      DropMetricName(s.metric);
      if (e.func == Func::kAbs) {
        s.value = std::fabs(s.value);
      } else if (e.func == Func::kClampMin) {
        s.value =
            std::isnan(s.value) || std::isnan(bound) ? std::nan("") : std::max(bound, s.value);
      } else {
        s.value =
            std::isnan(s.value) || std::isnan(bound) ? std::nan("") : std::min(bound, s.value);
      }
    }
    VIGIE_RETURN_IF_ERROR(CheckUniqueLabelsets(v.vector));
    return v;
  }

  absl::StatusOr<Value> EvalRangeFunction(const Expr& e) {
    const Expr& sel = *e.args[0];
    VIGIE_ASSIGN_OR_RETURN(Value m, Eval(sel));
    if (e.func == Func::kAbsentOverTime) {
      if (!m.matrix.empty()) return VectorValue({});
      return VectorValue({Sample{AbsentLabelsOf(sel), 1, t_}});
    }
    double duration = 0;
    if (e.func == Func::kPredictLinear) {
      VIGIE_ASSIGN_OR_RETURN(Value d, Eval(*e.args[1]));
      duration = d.scalar;
    }
    const int64_t range_end = t_ - sel.offset_ms;
    const int64_t range_start = range_end - sel.range_ms;
    Vector out;
    for (Series& s : m.matrix) {
      const std::vector<Point>& p = s.points;
      double v = 0;
      switch (e.func) {
        case Func::kRate:
        case Func::kIncrease:
        case Func::kDelta:
          if (p.size() < 2) continue;
          v = ExtrapolatedRate(p, range_start, range_end, sel.range_ms, e.func != Func::kDelta,
                               e.func == Func::kRate);
          break;
        case Func::kPredictLinear: {
          if (p.size() < 2) continue;
          auto [slope, intercept] = LinearRegression(p, t_);
          v = slope * duration + intercept;
          break;
        }
        case Func::kAvgOverTime: {
          Mean mean(true);
          for (const Point& x : p) mean.Add(x.value);
          v = mean.value();
          break;
        }
        case Func::kMinOverTime:
        case Func::kMaxOverTime:
          v = p[0].value;
          for (const Point& x : p) {
            bool better = e.func == Func::kMinOverTime ? x.value < v : x.value > v;
            if (better || std::isnan(v)) v = x.value;
          }
          break;
        case Func::kSumOverTime: {
          KahanSum sum;
          for (const Point& x : p) sum.Add(x.value);
          v = sum.value();
          break;
        }
        case Func::kCountOverTime:
          v = static_cast<double>(p.size());
          break;
        case Func::kLastOverTime:
          v = p.back().value;
          break;
        case Func::kChanges:
          for (size_t i = 1; i < p.size(); ++i) {
            double prev = p[i - 1].value;
            double cur = p[i].value;
            if (cur != prev && !(std::isnan(cur) && std::isnan(prev))) v += 1;
          }
          break;
        default:
          return absl::InternalError(fmt::format("unhandled function {}", FuncName(e.func)));
      }
      Sample out_sample{std::move(s.metric), v, t_};
      if (e.func != Func::kLastOverTime) DropMetricName(out_sample.metric);
      out.push_back(std::move(out_sample));
    }
    VIGIE_RETURN_IF_ERROR(CheckUniqueLabelsets(out));
    return VectorValue(std::move(out));
  }

  const int64_t t_;
  const Queryable& q_;
  const EvalOptions& options_;
};

}  // namespace

void Queryable::SelectOwned(const std::vector<Matcher>& matchers, int64_t mint_ms, int64_t maxt_ms,
                            bool newest_only, const SelectOwnedFn& fn) const {
  auto copy = [&](const Labels& labels, const std::vector<Point>& points) {
    fn(Labels(labels), std::vector<Point>(points));
  };
  if (newest_only) {
    SelectLatest(matchers, mint_ms, maxt_ms, copy);
  } else {
    Select(matchers, mint_ms, maxt_ms, copy);
  }
}

void Queryable::SelectLatest(
    const std::vector<Matcher>& matchers, int64_t mint_ms, int64_t maxt_ms,
    const std::function<void(const Labels&, const std::vector<Point>&)>& fn) const {
  std::vector<Point> newest(1);
  Select(matchers, mint_ms, maxt_ms, [&](const Labels& labels, const std::vector<Point>& points) {
    if (points.empty()) return;
    newest[0] = points.back();
    fn(labels, newest);
  });
}

std::string FormatMetric(const Labels& labels) {
  std::string name;
  Labels rest;
  for (const Label& l : labels) {
    if (l.name == kMetricName) {
      name = l.value;
    } else {
      rest.push_back(l);
    }
  }
  if (name.empty() && rest.empty()) return "{}";
  return FormatSeries(name, rest);
}

double StaleNaN() {
  double v;
  std::memcpy(&v, &kStaleNaNBits, sizeof v);
  return v;
}

bool IsStaleNaN(double v) {
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  return bits == kStaleNaNBits;
}

absl::StatusOr<Value> EvalInstant(const Expr& expr, int64_t t_ms, const Queryable& q,
                                  const EvalOptions& options) {
  Evaluator evaluator(t_ms, q, options);
  VIGIE_ASSIGN_OR_RETURN(Value v, evaluator.Eval(expr));
  auto by_labels = [](const auto& a, const auto& b) { return a.metric < b.metric; };
  std::sort(v.vector.begin(), v.vector.end(), by_labels);
  std::sort(v.matrix.begin(), v.matrix.end(), by_labels);
  return v;
}

}  // namespace vigie::daemon::promql
