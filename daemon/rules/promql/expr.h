// The AST of the rule expression language. Built only by ParseExpr() (parser.cc), which
// checks types, so the evaluator can rely on them. Immutable after parsing.
//
// Thread-safety: immutable; any number of threads may read an Expr at once.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/matcher.h"

namespace vigie::daemon::promql {

enum class ValueType { kScalar, kVector, kMatrix, kString };

enum class ExprKind {
  kNumber,
  kString,
  kVectorSelector,
  kMatrixSelector,
  kParen,
  kUnary,  // unary minus (a unary plus is dropped by the parser)
  kBinary,
  kAggregate,
  kCall,
};

enum class BinOp {
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,
  kPow,
  kEq,
  kNe,
  kGt,
  kLt,
  kGe,
  kLe,
  kAnd,
  kOr,
  kUnless,
};

// Vector matching cardinality: plain, group_left, group_right.
enum class Card { kOneToOne, kManyToOne, kOneToMany };

enum class AggOp { kSum, kAvg, kMin, kMax, kCount, kTopk, kBottomk };

enum class Func {
  kRate,
  kIncrease,
  kDelta,
  kAvgOverTime,
  kMinOverTime,
  kMaxOverTime,
  kSumOverTime,
  kCountOverTime,
  kLastOverTime,
  kPredictLinear,
  kAbsent,
  kAbsentOverTime,
  kChanges,
  kAbs,
  kClampMin,
  kClampMax,
  kTime,
  kVector,
  kScalar,
};

const char* BinOpString(BinOp op);
const char* AggOpString(AggOp op);
const char* FuncName(Func f);
bool IsComparison(BinOp op);
bool IsSetOperator(BinOp op);

class Expr {
 public:
  ExprKind kind = ExprKind::kNumber;
  ValueType type = ValueType::kScalar;

  double number = 0;  // kNumber
  std::string str;    // kString

  // kVectorSelector / kMatrixSelector.
  std::string metric_name;        // as written, "" when only braces were used
  std::vector<Matcher> matchers;  // includes __name__="metric_name"
  std::vector<Matcher> written;   // the matchers written in braces, for printing
  int64_t range_ms = 0;           // kMatrixSelector
  int64_t offset_ms = 0;

  // kUnary / kBinary / kParen / kAggregate / kCall operands.
  std::vector<std::shared_ptr<const Expr>> args;

  // kBinary.
  BinOp op = BinOp::kAdd;
  bool return_bool = false;
  bool has_matching = false;  // on(...) or ignoring(...) was written
  bool on = false;            // true: on, false: ignoring
  std::vector<std::string> matching_labels;
  Card card = Card::kOneToOne;
  std::vector<std::string> include;  // group_left(...)/group_right(...) labels

  // kAggregate: args = {expr} or {param, expr} for topk/bottomk.
  AggOp agg = AggOp::kSum;
  bool without = false;
  bool has_grouping = false;
  std::vector<std::string> grouping;

  // kCall.
  Func func = Func::kAbs;
};

using ExprPtr = std::shared_ptr<const Expr>;

}  // namespace vigie::daemon::promql
