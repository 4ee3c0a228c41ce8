// IsHostSeparable(): whether an expression can be evaluated for one host at a time (promql.h).

#include <algorithm>
#include <string>
#include <vector>

#include "daemon/rules/promql/expr.h"
#include "daemon/rules/promql/promql.h"

namespace vigie::daemon::promql {
namespace {

constexpr char kHostLabel[] = "host";

// What an expression's value depends on.
enum class Scope {
  kConstant,  // a scalar or string that reads no series: numbers, time(), arithmetic of those
  kPerHost,   // a vector whose samples keep their host's `host` label and read only its series
  kOther,     // anything else: a result across hosts, or without the host label
};

bool Lists(const std::vector<std::string>& names) {
  return std::find(names.begin(), names.end(), kHostLabel) != names.end();
}

Scope Classify(const Expr& e);

// A function call: every vector or matrix argument per host, every scalar argument constant.
Scope ClassifyCall(const Expr& e) {
  switch (e.func) {
    case Func::kTime:
      return Scope::kConstant;
    case Func::kAbsent:          // one sample without `host` when nothing matches
    case Func::kAbsentOverTime:  // (unless the selector has host="..."): across hosts
    case Func::kVector:          // one sample without labels
    case Func::kScalar:          // the one sample of the whole vector
      return Scope::kOther;
    default:
      break;
  }
  for (const ExprPtr& arg : e.args) {
    const Scope want = arg->type == ValueType::kScalar || arg->type == ValueType::kString
                           ? Scope::kConstant
                           : Scope::kPerHost;
    if (Classify(*arg) != want) return Scope::kOther;
  }
  return Scope::kPerHost;
}

Scope ClassifyBinary(const Expr& e) {
  const Scope lhs = Classify(*e.args[0]);
  const Scope rhs = Classify(*e.args[1]);
  if (lhs == Scope::kConstant && rhs == Scope::kConstant) return Scope::kConstant;
  if ((lhs == Scope::kConstant && rhs == Scope::kPerHost) ||
      (lhs == Scope::kPerHost && rhs == Scope::kConstant)) {
    return Scope::kPerHost;  // vector op scalar: sample by sample
  }
  if (lhs != Scope::kPerHost || rhs != Scope::kPerHost) return Scope::kOther;
  // Between two vectors: samples of different hosts must never match (and the result keeps
  // `host`: on(...) keeps only the listed labels, ignoring(...) drops the listed ones).
  if (!e.has_matching) return Scope::kPerHost;  // all labels but the name, host included
  return e.on == Lists(e.matching_labels) ? Scope::kPerHost : Scope::kOther;
}

Scope Classify(const Expr& e) {
  switch (e.kind) {
    case ExprKind::kNumber:
    case ExprKind::kString:
      return Scope::kConstant;
    case ExprKind::kVectorSelector:
    case ExprKind::kMatrixSelector:
      return Scope::kPerHost;  // every series has `host` (a reserved label: vigied sets it)
    case ExprKind::kParen:
    case ExprKind::kUnary:
      return Classify(*e.args[0]);
    case ExprKind::kAggregate: {
      // topk/bottomk's parameter, then the aggregated vector.
      if (e.args.size() == 2 && Classify(*e.args[0]) != Scope::kConstant) return Scope::kOther;
      if (Classify(*e.args.back()) != Scope::kPerHost) return Scope::kOther;
      // The groups (and so the result's labels, or topk's competitors) must keep `host`.
      const bool keeps_host = e.without ? !Lists(e.grouping) : Lists(e.grouping);
      return keeps_host ? Scope::kPerHost : Scope::kOther;
    }
    case ExprKind::kCall:
      return ClassifyCall(e);
    case ExprKind::kBinary:
      return ClassifyBinary(e);
  }
  return Scope::kOther;
}

}  // namespace

bool IsHostSeparable(const Expr& expr) { return Classify(expr) == Scope::kPerHost; }

}  // namespace vigie::daemon::promql
