// ExprToString: the canonical text of an expression (parsing it again gives the same AST).

#include <cmath>
#include <string>
#include <vector>

#include "common/labels.h"
#include "common/strings.h"
#include "daemon/rules/promql/expr.h"
#include "daemon/rules/promql/promql.h"
#include "fmt/format.h"

namespace vigie::daemon::promql {
namespace {

std::string FormatNumber(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Inf" : "-Inf";
  return fmt::format("{}", v);  // shortest representation that round-trips
}

void AppendLabelList(std::string& out, const std::vector<std::string>& names) {
  out += '(';
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ", ";
    out += names[i];
  }
  out += ')';
}

void AppendExpr(std::string& out, const Expr& e);

// "(arg1, arg2)" of a call or aggregation.
void AppendArgs(std::string& out, const Expr& e) {
  out += '(';
  for (size_t i = 0; i < e.args.size(); ++i) {
    if (i > 0) out += ", ";
    AppendExpr(out, *e.args[i]);
  }
  out += ')';
}

void AppendExpr(std::string& out, const Expr& e) {
  switch (e.kind) {
    case ExprKind::kNumber:
      out += FormatNumber(e.number);
      return;
    case ExprKind::kString: {
      Labels l{{"x", e.str}};
      std::string quoted = FormatSeries("", l);  // {x="..."}
      out += quoted.substr(3, quoted.size() - 4);
      return;
    }
    case ExprKind::kVectorSelector:
    case ExprKind::kMatrixSelector: {
      out += e.metric_name;
      if (!e.written.empty() || e.metric_name.empty()) {
        out += '{';
        for (size_t i = 0; i < e.written.size(); ++i) {
          if (i > 0) out += ", ";
          out += e.written[i].ToString();
        }
        out += '}';
      }
      if (e.kind == ExprKind::kMatrixSelector) StrAppend(out, "[", FormatDuration(e.range_ms), "]");
      if (e.offset_ms > 0) StrAppend(out, " offset ", FormatDuration(e.offset_ms));
      if (e.offset_ms < 0) StrAppend(out, " offset -", FormatDuration(-e.offset_ms));
      return;
    }
    case ExprKind::kParen:
      out += '(';
      AppendExpr(out, *e.args[0]);
      out += ')';
      return;
    case ExprKind::kUnary:
      out += '-';
      AppendExpr(out, *e.args[0]);
      return;
    case ExprKind::kBinary:
      AppendExpr(out, *e.args[0]);
      StrAppend(out, " ", BinOpString(e.op), " ");
      if (e.return_bool) out += "bool ";
      if (e.has_matching) {
        out += e.on ? "on" : "ignoring";
        AppendLabelList(out, e.matching_labels);
        out += ' ';
        if (e.card != Card::kOneToOne) {
          out += e.card == Card::kManyToOne ? "group_left" : "group_right";
          if (!e.include.empty()) AppendLabelList(out, e.include);
          out += ' ';
        }
      }
      AppendExpr(out, *e.args[1]);
      return;
    case ExprKind::kAggregate:
      out += AggOpString(e.agg);
      if (e.has_grouping) {
        out += e.without ? " without " : " by ";
        AppendLabelList(out, e.grouping);
        out += ' ';
      }
      AppendArgs(out, e);
      return;
    case ExprKind::kCall:
      out += FuncName(e.func);
      AppendArgs(out, e);
      return;
  }
}

}  // namespace

std::string ExprToString(const Expr& expr) {
  std::string out;
  AppendExpr(out, expr);
  return out;
}

}  // namespace vigie::daemon::promql
