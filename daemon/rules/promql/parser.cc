// Recursive-descent parser of the rule expression language. Operator precedence (lowest
// first), as in PromQL: or; and unless; comparisons; + -; * / %; unary minus; ^
// (right-associative). Types are checked while parsing, with PromQL's messages.

#include <algorithm>
#include <utility>

#include "common/status.h"
#include "common/strings.h"
#include "daemon/rules/promql/expr.h"
#include "daemon/rules/promql/lexer.h"
#include "daemon/rules/promql/promql.h"
#include "fmt/format.h"

namespace vigie::daemon::promql {
namespace {

struct FuncInfo {
  const char* name;
  Func func;
  int nargs;
  ValueType args[2];
  ValueType ret;
};

constexpr ValueType kS = ValueType::kScalar;
constexpr ValueType kV = ValueType::kVector;
constexpr ValueType kM = ValueType::kMatrix;

constexpr FuncInfo kFuncs[] = {
    {"rate", Func::kRate, 1, {kM, kS}, kV},
    {"increase", Func::kIncrease, 1, {kM, kS}, kV},
    {"delta", Func::kDelta, 1, {kM, kS}, kV},
    {"avg_over_time", Func::kAvgOverTime, 1, {kM, kS}, kV},
    {"min_over_time", Func::kMinOverTime, 1, {kM, kS}, kV},
    {"max_over_time", Func::kMaxOverTime, 1, {kM, kS}, kV},
    {"sum_over_time", Func::kSumOverTime, 1, {kM, kS}, kV},
    {"count_over_time", Func::kCountOverTime, 1, {kM, kS}, kV},
    {"last_over_time", Func::kLastOverTime, 1, {kM, kS}, kV},
    {"predict_linear", Func::kPredictLinear, 2, {kM, kS}, kV},
    {"absent", Func::kAbsent, 1, {kV, kS}, kV},
    {"absent_over_time", Func::kAbsentOverTime, 1, {kM, kS}, kV},
    {"changes", Func::kChanges, 1, {kM, kS}, kV},
    {"abs", Func::kAbs, 1, {kV, kS}, kV},
    {"clamp_min", Func::kClampMin, 2, {kV, kS}, kV},
    {"clamp_max", Func::kClampMax, 2, {kV, kS}, kV},
    {"time", Func::kTime, 0, {kS, kS}, kS},
    {"vector", Func::kVector, 1, {kS, kS}, kV},
    {"scalar", Func::kScalar, 1, {kV, kS}, kS},
};

// PromQL names that exist but are outside the subset: a clear error instead of "unknown".
constexpr const char* kUnsupportedNames[] = {"stddev",
                                             "stdvar",
                                             "count_values",
                                             "quantile",
                                             "group",
                                             "histogram_quantile",
                                             "irate",
                                             "idelta",
                                             "deriv",
                                             "holt_winters",
                                             "resets",
                                             "label_replace",
                                             "label_join",
                                             "sort",
                                             "sort_desc",
                                             "ceil",
                                             "floor",
                                             "round",
                                             "exp",
                                             "ln",
                                             "log2",
                                             "log10",
                                             "sqrt",
                                             "clamp",
                                             "quantile_over_time",
                                             "stddev_over_time",
                                             "stdvar_over_time",
                                             "present_over_time",
                                             "timestamp",
                                             "day_of_month",
                                             "day_of_week",
                                             "days_in_month",
                                             "hour",
                                             "minute",
                                             "month",
                                             "year",
                                             "sgn",
                                             "atan2"};

struct AggInfo {
  const char* name;
  AggOp op;
};
constexpr AggInfo kAggs[] = {{"sum", AggOp::kSum},        {"avg", AggOp::kAvg},
                             {"min", AggOp::kMin},        {"max", AggOp::kMax},
                             {"count", AggOp::kCount},    {"topk", AggOp::kTopk},
                             {"bottomk", AggOp::kBottomk}};

int Precedence(BinOp op) {
  switch (op) {
    case BinOp::kOr:
      return 1;
    case BinOp::kAnd:
    case BinOp::kUnless:
      return 2;
    case BinOp::kEq:
    case BinOp::kNe:
    case BinOp::kGt:
    case BinOp::kLt:
    case BinOp::kGe:
    case BinOp::kLe:
      return 3;
    case BinOp::kAdd:
    case BinOp::kSub:
      return 4;
    case BinOp::kMul:
    case BinOp::kDiv:
    case BinOp::kMod:
      return 5;
    case BinOp::kPow:
      return 6;
  }
  return 0;
}

std::string Describe(const Token& t) {
  switch (t.tok) {
    case Tok::kEof:
      return "end of input";
    case Tok::kIdent:
      return fmt::format("identifier \"{}\"", t.text);
    case Tok::kNumber:
      return fmt::format("number \"{}\"", t.text);
    case Tok::kDuration:
      return fmt::format("duration \"{}\"", t.text);
    case Tok::kString:
      return "string";
    case Tok::kOp:
      return fmt::format("\"{}\"", BinOpString(t.op));
    default:
      return fmt::format("\"{}\"", t.text);
  }
}

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text), lexer_(text) {}

  absl::StatusOr<ExprPtr> ParseAll() {
    VIGIE_RETURN_IF_ERROR(Advance());
    if (tok_.tok == Tok::kEof) return Error(tok_.pos, "no expression found in input");
    ExprPtr e;
    VIGIE_ASSIGN_OR_RETURN(e, ParseBinary(1));
    if (tok_.tok != Tok::kEof) return Unexpected("end of input");
    return e;
  }

  absl::Status Error(size_t pos, std::string_view msg) const { return ErrorAt(text_, pos, msg); }

 private:
  absl::Status Unexpected(std::string_view expected) const {
    return Error(tok_.pos, fmt::format("unexpected {}, expected {}", Describe(tok_), expected));
  }

  // After a list item: consumes a ",", or checks that `close` comes next.
  absl::Status AfterListItem(Tok close, std::string_view expected) {
    if (tok_.tok == Tok::kComma) return Advance();
    if (tok_.tok != close) return Unexpected(expected);
    return absl::OkStatus();
  }

  absl::Status Expect(Tok t, std::string_view what) {
    if (tok_.tok != t) return Unexpected(what);
    return Advance();
  }

  bool IsKeyword(std::string_view kw) const {
    return tok_.tok == Tok::kIdent && EqualsIgnoreCase(tok_.text, kw);
  }

  absl::Status Advance() { return lexer_.Next(&tok_); }

  // RAII depth counter against stack exhaustion.
  struct DepthGuard {
    explicit DepthGuard(int& d) : depth(d) { ++depth; }
    ~DepthGuard() { --depth; }
    int& depth;
  };

  absl::Status CheckDepth(size_t pos) const {
    if (depth_ > kMaxNestingDepth) {
      return Error(
          pos, fmt::format("expression nested too deeply (more than {} levels)", kMaxNestingDepth));
    }
    return absl::OkStatus();
  }

  absl::StatusOr<ExprPtr> ParseBinary(int min_prec) {
    DepthGuard guard(depth_);
    VIGIE_RETURN_IF_ERROR(CheckDepth(tok_.pos));
    ExprPtr lhs;
    VIGIE_ASSIGN_OR_RETURN(lhs, ParseUnary());
    while (tok_.tok == Tok::kOp && Precedence(tok_.op) >= min_prec) {
      Token op_tok = tok_;
      auto e = std::make_shared<Expr>();
      e->kind = ExprKind::kBinary;
      e->op = op_tok.op;
      VIGIE_RETURN_IF_ERROR(Advance());
      if (IsKeyword("bool")) {
        if (!IsComparison(e->op)) {
          return Error(tok_.pos, "bool modifier can only be used on comparison operators");
        }
        e->return_bool = true;
        VIGIE_RETURN_IF_ERROR(Advance());
      }
      size_t matching_pos = tok_.pos;
      if (IsKeyword("on") || IsKeyword("ignoring")) {
        e->has_matching = true;
        e->on = IsKeyword("on");
        VIGIE_RETURN_IF_ERROR(Advance());
        VIGIE_ASSIGN_OR_RETURN(e->matching_labels, ParseLabelList());
        if (IsKeyword("group_left") || IsKeyword("group_right")) {
          VIGIE_RETURN_IF_ERROR(ParseGroupModifier(*e));
        }
      }
      int next_min = e->op == BinOp::kPow ? Precedence(e->op) : Precedence(e->op) + 1;
      ExprPtr rhs;
      VIGIE_ASSIGN_OR_RETURN(rhs, ParseBinary(next_min));
      VIGIE_RETURN_IF_ERROR(CheckBinary(*e, *lhs, *rhs, op_tok.pos, matching_pos));
      e->type = lhs->type == kV || rhs->type == kV ? kV : kS;
      e->args = {lhs, rhs};
      lhs = std::move(e);
    }
    return lhs;
  }

  // group_left / group_right, with an optional list of labels to copy from the "one" side.
  absl::Status ParseGroupModifier(Expr& e) {
    if (IsSetOperator(e.op)) {
      return Error(tok_.pos,
                   fmt::format("no grouping allowed for \"{}\" operation", BinOpString(e.op)));
    }
    e.card = IsKeyword("group_left") ? Card::kManyToOne : Card::kOneToMany;
    VIGIE_RETURN_IF_ERROR(Advance());
    if (tok_.tok != Tok::kLParen) return absl::OkStatus();
    size_t list_pos = tok_.pos;
    VIGIE_ASSIGN_OR_RETURN(e.include, ParseLabelList());
    for (const std::string& name : e.include) {
      if (e.on && std::find(e.matching_labels.begin(), e.matching_labels.end(), name) !=
                      e.matching_labels.end()) {
        return Error(list_pos, fmt::format("label \"{}\" must not occur in ON and GROUP clause "
                                           "at once",
                                           name));
      }
    }
    return absl::OkStatus();
  }

  absl::Status CheckBinary(const Expr& e, const Expr& lhs, const Expr& rhs, size_t op_pos,
                           size_t matching_pos) const {
    auto operand_ok = [](const Expr& x) { return x.type == kS || x.type == kV; };
    if (!operand_ok(lhs) || !operand_ok(rhs)) {
      return Error(op_pos, "binary expression must contain only scalar and instant vector types");
    }
    if (IsSetOperator(e.op) && (lhs.type != kV || rhs.type != kV)) {
      return Error(op_pos, fmt::format("set operator \"{}\" not allowed in binary scalar "
                                       "expression",
                                       BinOpString(e.op)));
    }
    if (IsComparison(e.op) && !e.return_bool && lhs.type == kS && rhs.type == kS) {
      return Error(op_pos, "comparisons between scalars must use BOOL modifier");
    }
    if (e.has_matching && (lhs.type != kV || rhs.type != kV)) {
      return Error(matching_pos, "vector matching only allowed between instant vectors");
    }
    return absl::OkStatus();
  }

  absl::StatusOr<ExprPtr> ParseUnary() {
    if (tok_.tok == Tok::kOp && (tok_.op == BinOp::kSub || tok_.op == BinOp::kAdd)) {
      DepthGuard guard(depth_);
      VIGIE_RETURN_IF_ERROR(CheckDepth(tok_.pos));
      Token op_tok = tok_;
      VIGIE_RETURN_IF_ERROR(Advance());
      ExprPtr operand;
      // Unary minus binds tighter than * / % but looser than ^: -2^2 == -4.
      VIGIE_ASSIGN_OR_RETURN(operand, ParseBinary(Precedence(BinOp::kPow)));
      if (operand->type != kS && operand->type != kV) {
        return Error(op_tok.pos,
                     "unary expression only allowed on expressions of type scalar "
                     "or instant vector");
      }
      if (op_tok.op == BinOp::kAdd) return operand;
      if (operand->kind == ExprKind::kNumber) {
        auto e = std::make_shared<Expr>(*operand);
        e->number = -e->number;
        return ExprPtr(e);
      }
      auto e = std::make_shared<Expr>();
      e->kind = ExprKind::kUnary;
      e->type = operand->type;
      e->args = {operand};
      return ExprPtr(e);
    }
    return ParsePrimary();
  }

  absl::StatusOr<ExprPtr> ParsePrimary() {
    ExprPtr e;
    switch (tok_.tok) {
      case Tok::kNumber: {
        auto n = std::make_shared<Expr>();
        n->kind = ExprKind::kNumber;
        n->type = kS;
        n->number = tok_.number;
        e = n;
        VIGIE_RETURN_IF_ERROR(Advance());
        break;
      }
      case Tok::kString: {
        auto s = std::make_shared<Expr>();
        s->kind = ExprKind::kString;
        s->type = ValueType::kString;
        s->str = tok_.text;
        e = s;
        VIGIE_RETURN_IF_ERROR(Advance());
        break;
      }
      case Tok::kLParen: {
        VIGIE_RETURN_IF_ERROR(Advance());
        ExprPtr inner;
        VIGIE_ASSIGN_OR_RETURN(inner, ParseBinary(1));
        VIGIE_RETURN_IF_ERROR(Expect(Tok::kRParen, "\")\""));
        auto p = std::make_shared<Expr>();
        p->kind = ExprKind::kParen;
        p->type = inner->type;
        p->args = {inner};
        e = p;
        break;
      }
      case Tok::kLBrace: {
        VIGIE_ASSIGN_OR_RETURN(e, ParseSelector(""));
        break;
      }
      case Tok::kIdent: {
        VIGIE_ASSIGN_OR_RETURN(e, ParseIdentifier());
        break;
      }
      case Tok::kDuration:
        return Error(tok_.pos, fmt::format("unexpected duration \"{}\", expected an expression "
                                           "(durations are only allowed in [ ] and after offset)",
                                           tok_.text));
      default:
        return Unexpected("an expression");
    }
    return ParsePostfix(std::move(e));
  }

  // `[range]`, `offset d`, and the unsupported `@` and subqueries.
  absl::StatusOr<ExprPtr> ParsePostfix(ExprPtr e) {
    while (true) {
      if (tok_.tok == Tok::kLBracket) {
        size_t pos = tok_.pos;
        if (e->kind != ExprKind::kVectorSelector || e->offset_ms != 0) {
          return Error(pos,
                       "ranges only allowed for vector selectors (subqueries are not "
                       "supported)");
        }
        VIGIE_RETURN_IF_ERROR(Advance());
        if (tok_.tok != Tok::kDuration) return Unexpected("a duration such as 5m");
        int64_t range = tok_.duration_ms;
        size_t range_pos = tok_.pos;
        VIGIE_RETURN_IF_ERROR(Advance());
        if (tok_.tok == Tok::kColon) {
          return Error(tok_.pos, "subqueries are not supported; see docs/rule-language.md");
        }
        VIGIE_RETURN_IF_ERROR(Expect(Tok::kRBracket, "\"]\""));
        if (range <= 0) return Error(range_pos, "range must be greater than 0");
        if (range > kMaxRangeMs) {
          return Error(range_pos, fmt::format("range {} exceeds the maximum of {}",
                                              FormatDuration(range), FormatDuration(kMaxRangeMs)));
        }
        auto m = std::make_shared<Expr>(*e);
        m->kind = ExprKind::kMatrixSelector;
        m->type = kM;
        m->range_ms = range;
        e = m;
      } else if (IsKeyword("offset")) {
        size_t pos = tok_.pos;
        if ((e->kind != ExprKind::kVectorSelector && e->kind != ExprKind::kMatrixSelector) ||
            e->offset_ms != 0) {
          return Error(pos, "offset modifier must be preceded by a vector or range selector");
        }
        VIGIE_RETURN_IF_ERROR(Advance());
        bool negative = false;
        if (tok_.tok == Tok::kOp && tok_.op == BinOp::kSub) {
          negative = true;
          VIGIE_RETURN_IF_ERROR(Advance());
        }
        if (tok_.tok != Tok::kDuration) return Unexpected("a duration such as 5m");
        if (tok_.duration_ms > kMaxRangeMs) {
          return Error(tok_.pos,
                       fmt::format("offset {} exceeds the maximum of {}",
                                   FormatDuration(tok_.duration_ms), FormatDuration(kMaxRangeMs)));
        }
        auto m = std::make_shared<Expr>(*e);
        m->offset_ms = negative ? -tok_.duration_ms : tok_.duration_ms;
        e = m;
        VIGIE_RETURN_IF_ERROR(Advance());
      } else if (tok_.tok == Tok::kAt) {
        return Error(tok_.pos, "the @ modifier is not supported; see docs/rule-language.md");
      } else {
        return e;
      }
    }
  }

  absl::StatusOr<ExprPtr> ParseIdentifier() {
    Token id = tok_;
    for (const AggInfo& a : kAggs) {
      if (EqualsIgnoreCase(id.text, a.name)) {
        VIGIE_RETURN_IF_ERROR(Advance());
        return ParseAggregate(a.op, id);
      }
    }
    if (IsKeyword("offset") || IsKeyword("by") || IsKeyword("without") || IsKeyword("on") ||
        IsKeyword("ignoring") || IsKeyword("bool") || IsKeyword("group_left") ||
        IsKeyword("group_right")) {
      return Error(id.pos,
                   fmt::format("unexpected keyword \"{}\", expected an expression", id.text));
    }
    VIGIE_RETURN_IF_ERROR(Advance());
    if (tok_.tok == Tok::kLParen) return ParseCall(id);
    return ParseSelector(id.text);
  }

  absl::StatusOr<std::vector<std::string>> ParseLabelList() {
    std::vector<std::string> out;
    VIGIE_RETURN_IF_ERROR(Expect(Tok::kLParen, "\"(\""));
    while (tok_.tok != Tok::kRParen) {
      if (tok_.tok != Tok::kIdent || tok_.text.find(':') != std::string::npos) {
        return Unexpected("a label name");
      }
      out.push_back(tok_.text);
      VIGIE_RETURN_IF_ERROR(Advance());
      VIGIE_RETURN_IF_ERROR(AfterListItem(Tok::kRParen, "\",\" or \")\""));
    }
    VIGIE_RETURN_IF_ERROR(Advance());
    return out;
  }

  absl::Status ParseGrouping(Expr& e) {
    if (!IsKeyword("by") && !IsKeyword("without")) return absl::OkStatus();
    if (e.has_grouping) return Error(tok_.pos, "aggregation already has a by/without clause");
    e.has_grouping = true;
    e.without = IsKeyword("without");
    VIGIE_RETURN_IF_ERROR(Advance());
    VIGIE_ASSIGN_OR_RETURN(e.grouping, ParseLabelList());
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<std::pair<size_t, ExprPtr>>> ParseArgs() {
    std::vector<std::pair<size_t, ExprPtr>> args;
    VIGIE_RETURN_IF_ERROR(Expect(Tok::kLParen, "\"(\""));
    while (tok_.tok != Tok::kRParen) {
      size_t pos = tok_.pos;
      ExprPtr a;
      VIGIE_ASSIGN_OR_RETURN(a, ParseBinary(1));
      args.emplace_back(pos, std::move(a));
      VIGIE_RETURN_IF_ERROR(AfterListItem(Tok::kRParen, "\",\" or \")\""));
    }
    VIGIE_RETURN_IF_ERROR(Advance());
    return args;
  }

  absl::StatusOr<ExprPtr> ParseAggregate(AggOp op, const Token& id) {
    auto e = std::make_shared<Expr>();
    e->kind = ExprKind::kAggregate;
    e->type = kV;
    e->agg = op;
    VIGIE_RETURN_IF_ERROR(ParseGrouping(*e));
    if (tok_.tok != Tok::kLParen) return Unexpected("\"(\"");
    std::vector<std::pair<size_t, ExprPtr>> args;
    VIGIE_ASSIGN_OR_RETURN(args, ParseArgs());
    VIGIE_RETURN_IF_ERROR(ParseGrouping(*e));
    size_t want = op == AggOp::kTopk || op == AggOp::kBottomk ? 2 : 1;
    if (args.size() != want) {
      return Error(id.pos, fmt::format("wrong number of arguments for aggregate expression "
                                       "provided, expected {}, got {}",
                                       want, args.size()));
    }
    if (want == 2 && args[0].second->type != kS) {
      return Error(args[0].first, fmt::format("expected type scalar in aggregation parameter, "
                                              "got {}",
                                              TypeName(args[0].second->type)));
    }
    const auto& [pos, expr] = args.back();
    if (expr->type != kV) {
      return Error(pos, fmt::format("expected type instant vector in aggregation expression, "
                                    "got {}",
                                    TypeName(expr->type)));
    }
    for (auto& a : args) e->args.push_back(std::move(a.second));
    return ExprPtr(e);
  }

  absl::StatusOr<ExprPtr> ParseCall(const Token& id) {
    const FuncInfo* info = nullptr;
    for (const FuncInfo& f : kFuncs) {
      if (id.text == f.name) info = &f;
    }
    if (info == nullptr) {
      for (const char* name : kUnsupportedNames) {
        if (id.text == name) {
          return Error(id.pos, fmt::format("function \"{}\" is not supported by Vigie's rule "
                                           "language; see docs/rule-language.md",
                                           id.text));
        }
      }
      return Error(id.pos, fmt::format("unknown function with name \"{}\"", id.text));
    }
    std::vector<std::pair<size_t, ExprPtr>> args;
    VIGIE_ASSIGN_OR_RETURN(args, ParseArgs());
    if (static_cast<int>(args.size()) != info->nargs) {
      return Error(id.pos, fmt::format("expected {} argument(s) in call to \"{}\", got {}",
                                       info->nargs, info->name, args.size()));
    }
    auto e = std::make_shared<Expr>();
    e->kind = ExprKind::kCall;
    e->func = info->func;
    e->type = info->ret;
    for (size_t i = 0; i < args.size(); ++i) {
      if (args[i].second->type != info->args[i]) {
        return Error(
            args[i].first,
            fmt::format("expected type {} in call to function \"{}\", got {}",
                        TypeName(info->args[i]), info->name, TypeName(args[i].second->type)));
      }
      e->args.push_back(std::move(args[i].second));
    }
    return ExprPtr(e);
  }

  static const char* TypeName(ValueType t) {
    switch (t) {
      case ValueType::kScalar:
        return "scalar";
      case ValueType::kVector:
        return "instant vector";
      case ValueType::kMatrix:
        return "range vector";
      case ValueType::kString:
        return "string";
    }
    return "?";
  }

  absl::StatusOr<ExprPtr> ParseSelector(const std::string& name) {
    auto e = std::make_shared<Expr>();
    e->kind = ExprKind::kVectorSelector;
    e->type = kV;
    e->metric_name = name;
    size_t brace_pos = tok_.pos;
    if (tok_.tok == Tok::kLBrace) {
      VIGIE_RETURN_IF_ERROR(Advance());
      while (tok_.tok != Tok::kRBrace) {
        if (tok_.tok != Tok::kIdent || tok_.text.find(':') != std::string::npos) {
          return Unexpected("a label name");
        }
        Token label = tok_;
        VIGIE_RETURN_IF_ERROR(Advance());
        MatchOp op;
        if (tok_.tok == Tok::kAssign) {
          op = MatchOp::kEqual;
        } else if (tok_.tok == Tok::kOp && tok_.op == BinOp::kNe) {
          op = MatchOp::kNotEqual;
        } else if (tok_.tok == Tok::kEqlRegex) {
          op = MatchOp::kRegexMatch;
        } else if (tok_.tok == Tok::kNeqRegex) {
          op = MatchOp::kRegexNoMatch;
        } else {
          return Unexpected("a label matching operator (=, !=, =~, !~)");
        }
        VIGIE_RETURN_IF_ERROR(Advance());
        if (tok_.tok != Tok::kString) return Unexpected("a quoted label value");
        auto m = Matcher::Make(label.text, op, tok_.text);
        if (!m.ok()) return Error(tok_.pos, StatusMessage(m.status()));
        if (label.text == "__name__" && !name.empty()) {
          return Error(label.pos, fmt::format("metric name must not be set twice: \"{}\" and "
                                              "a __name__ matcher",
                                              name));
        }
        e->written.push_back(*m);
        VIGIE_RETURN_IF_ERROR(Advance());
        VIGIE_RETURN_IF_ERROR(AfterListItem(Tok::kRBrace, "\",\" or \"}\""));
      }
      VIGIE_RETURN_IF_ERROR(Advance());
    }
    if (!name.empty()) {
      auto m = Matcher::Make("__name__", MatchOp::kEqual, name);
      if (!m.ok()) return m.status();
      e->matchers.push_back(*m);
    }
    e->matchers.insert(e->matchers.end(), e->written.begin(), e->written.end());
    bool non_empty = std::any_of(e->matchers.begin(), e->matchers.end(),
                                 [](const Matcher& m) { return !m.Matches(""); });
    if (!non_empty) {
      return Error(brace_pos, "vector selector must contain at least one non-empty matcher");
    }
    return ExprPtr(e);
  }

  std::string_view text_;
  Lexer lexer_;
  Token tok_;
  int depth_ = 0;
};

}  // namespace

const char* BinOpString(BinOp op) {
  static constexpr const char* kNames[] = {
      "+", "-", "*", "/", "%", "^", "==", "!=", ">", "<", ">=", "<=", "and", "or", "unless"};
  return kNames[static_cast<int>(op)];
}

const char* AggOpString(AggOp op) { return kAggs[static_cast<int>(op)].name; }

const char* FuncName(Func f) {
  for (const FuncInfo& info : kFuncs) {
    if (info.func == f) return info.name;
  }
  return "?";
}

bool IsComparison(BinOp op) { return op >= BinOp::kEq && op <= BinOp::kLe; }
bool IsSetOperator(BinOp op) { return op >= BinOp::kAnd; }

absl::StatusOr<std::shared_ptr<const Expr>> ParseExpr(std::string_view text) {
  Parser parser(text);
  return parser.ParseAll();
}

}  // namespace vigie::daemon::promql
