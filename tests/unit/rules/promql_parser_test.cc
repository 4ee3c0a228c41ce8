#include <string>

#include "daemon/rules/promql/expr.h"
#include "daemon/rules/promql/promql.h"
#include "gtest/gtest.h"

namespace vigie::daemon::promql {
namespace {

// Fully parenthesized rendering of binary and unary nodes, to check the tree's shape.
std::string Tree(const Expr& e) {
  switch (e.kind) {
    case ExprKind::kBinary: {
      std::string out = "(" + Tree(*e.args[0]) + " " + BinOpString(e.op);
      if (e.return_bool) out += " bool";
      if (e.has_matching) {
        out += e.on ? " on(" : " ignoring(";
        for (size_t i = 0; i < e.matching_labels.size(); ++i) {
          out += (i > 0 ? ", " : "") + e.matching_labels[i];
        }
        out += ")";
      }
      return out + " " + Tree(*e.args[1]) + ")";
    }
    case ExprKind::kUnary:
      return "(-" + Tree(*e.args[0]) + ")";
    case ExprKind::kParen:
      return Tree(*e.args[0]);
    default:
      return ExprToString(e);
  }
}

std::string ParseTree(const std::string& text) {
  auto e = ParseExpr(text);
  if (!e.ok()) return "ERROR " + std::string(e.status().message());
  return Tree(**e);
}

std::string ParseError(const std::string& text) {
  auto e = ParseExpr(text);
  return e.ok() ? "OK" : std::string(e.status().message());
}

TEST(PromqlParser, Precedence) {
  EXPECT_EQ(ParseTree("1 + 2 * 3"), "(1 + (2 * 3))");
  EXPECT_EQ(ParseTree("1 * 2 + 3"), "((1 * 2) + 3)");
  EXPECT_EQ(ParseTree("1 - 2 - 3"), "((1 - 2) - 3)");
  EXPECT_EQ(ParseTree("2 ^ 3 ^ 2"), "(2 ^ (3 ^ 2))");  // right-associative
  EXPECT_EQ(ParseTree("a + b > bool c * d"), "((a + b) > bool (c * d))");
  EXPECT_EQ(ParseTree("a or b and c unless d"), "(a or ((b and c) unless d))");
  EXPECT_EQ(ParseTree("a == b and c"), "((a == b) and c)");
  EXPECT_EQ(ParseTree("(1 + 2) * 3"), "((1 + 2) * 3)");
  EXPECT_EQ(ParseTree("a % b / c"), "((a % b) / c)");
}

TEST(PromqlParser, UnaryMinus) {
  EXPECT_EQ(ParseTree("-2 ^ 2"), "(-(2 ^ 2))");
  EXPECT_EQ(ParseTree("-a * b"), "((-a) * b)");
  EXPECT_EQ(ParseTree("-a ^ b"), "(-(a ^ b))");
  EXPECT_EQ(ParseTree("2 * -a"), "(2 * (-a))");
  EXPECT_EQ(ParseTree("-1"), "-1");  // folded into the literal
  EXPECT_EQ(ParseTree("+a"), "a");
  EXPECT_EQ(ParseTree("- - 1"), "1");
}

TEST(PromqlParser, NumbersAndDurations) {
  EXPECT_EQ(ParseTree("1e3"), "1000");
  EXPECT_EQ(ParseTree("1.5E-3"), "0.0015");
  EXPECT_EQ(ParseTree(".5"), "0.5");
  EXPECT_EQ(ParseTree("0x1F"), "31");
  EXPECT_EQ(ParseTree("Inf"), "Inf");
  EXPECT_EQ(ParseTree("-inf"), "-Inf");
  EXPECT_EQ(ParseTree("NaN"), "NaN");
  EXPECT_EQ(ParseTree("rate(x[1h30m])"), "rate(x[1h30m])");
  EXPECT_EQ(ParseTree("x[90s]"), "x[1m30s]");
  EXPECT_EQ(ParseTree("x[250ms] offset 1d"), "x[250ms] offset 1d");
  EXPECT_EQ(ParseTree("x offset 6d"), "x offset 6d");
  EXPECT_EQ(*ParseDuration("1h30m"), 5'400'000);
  EXPECT_EQ(*ParseDuration("5m"), 300'000);
  EXPECT_EQ(*ParseDuration("1y"), 31'536'000'000);
  EXPECT_FALSE(ParseDuration("30m1h").ok());
  EXPECT_FALSE(ParseDuration("5").ok());
  EXPECT_FALSE(ParseDuration("5mm").ok());
  EXPECT_EQ(ParseDuration("99999999999999999999999y").status().message(),
            "duration \"99999999999999999999999y\" out of range");
  EXPECT_EQ(ParseError("x[300000000000y]"), "1:3: duration out of range");
  EXPECT_EQ(FormatDuration(3'723'000), "1h2m3s");
}

TEST(PromqlParser, SelectorsAndStrings) {
  EXPECT_EQ(ParseTree(R"(up{job="a", env!="", host=~"db.*", x!~'y'})"),
            R"(up{job="a", env!="", host=~"db.*", x!~"y"})");
  EXPECT_EQ(ParseTree(R"({__name__="up"})"), R"({__name__="up"})");
  EXPECT_EQ(ParseTree(R"(up{path="a\"b\\c\n\x41\u00e9"})"), R"(up{path="a\"b\\c\nAé"})");
  EXPECT_EQ(ParseTree("up{path=`raw\\n`}"), "up{path=\"raw\\\\n\"}");
  EXPECT_EQ(ParseTree("\"str\""), "\"str\"");
  EXPECT_EQ(ParseTree("up{job=\"a\",}"), "up{job=\"a\"}");  // trailing comma
  EXPECT_EQ(ParseTree("node:cpu:rate5m"), "node:cpu:rate5m");
}

TEST(PromqlParser, Modifiers) {
  EXPECT_EQ(ParseTree("a + on(x, y) b"), "(a + on(x, y) b)");
  EXPECT_EQ(ParseTree("a > bool ignoring(z) b"), "(a > bool ignoring(z) b)");
  EXPECT_EQ(ParseTree("a and on() b"), "(a and on() b)");
  EXPECT_EQ(ExprToString(**ParseExpr("a * on(x) group_left(y, z) b")),
            "a * on(x) group_left(y, z) b");
  EXPECT_EQ(ExprToString(**ParseExpr("a - ignoring(x) group_right b")),
            "a - ignoring(x) group_right b");
  EXPECT_EQ(ParseTree("sum by (job) (x)"), "sum by (job) (x)");
  EXPECT_EQ(ParseTree("sum(x) by (job, env)"), "sum by (job, env) (x)");
  EXPECT_EQ(ParseTree("avg without (instance) (x)"), "avg without (instance) (x)");
  EXPECT_EQ(ParseTree("count(x) without ()"), "count without () (x)");
  EXPECT_EQ(ParseTree("topk(3, x) by (job)"), "topk by (job) (3, x)");
  EXPECT_EQ(ParseTree("SUM(x) BY (job)"), "sum by (job) (x)");
  EXPECT_EQ(ParseTree("a AND b"), "(a and b)");
  EXPECT_EQ(ParseTree("predict_linear(x[1h], 4 * 3600) < 0"),
            "(predict_linear(x[1h], 4 * 3600) < 0)");
}

TEST(PromqlParser, ToStringRoundTrips) {
  for (const char* text :
       {"sum by (job) (rate(http_requests_total{code=~\"5..\"}[5m] offset 1m)) > 0.1",
        "-(a + b) ^ 2", "absent(up{job=\"x\"}) or vector(0)", "a / ignoring(mode) b",
        "clamp_max(x, 1) == bool 1", "time() - x offset 1h", "-x", "topk(2, x)"}) {
    auto e = ParseExpr(text);
    ASSERT_TRUE(e.ok()) << text << ": " << e.status();
    std::string once = ExprToString(**e);
    auto again = ParseExpr(once);
    ASSERT_TRUE(again.ok()) << once << ": " << again.status();
    EXPECT_EQ(ExprToString(**again), once);
  }
}

TEST(PromqlParser, ErrorsGivePositions) {
  EXPECT_EQ(ParseError("sum(rate(x[5m])"),
            "1:16: unexpected end of input, expected \",\" or \")\"");
  EXPECT_EQ(ParseError("rate(x[5m]) + )"), "1:15: unexpected \")\", expected an expression");
  EXPECT_EQ(ParseError("up{job=\"a\""), "1:11: unexpected end of input, expected \",\" or \"}\"");
  EXPECT_EQ(ParseError("up{job=a}"),
            "1:8: unexpected identifier \"a\", expected a quoted label value");
  EXPECT_EQ(ParseError("rate(up)"),
            "1:6: expected type range vector in call to function \"rate\", "
            "got instant vector");
  EXPECT_EQ(ParseError("foo(up)"), "1:1: unknown function with name \"foo\"");
  EXPECT_EQ(ParseError("x[5]"), "1:3: unexpected number \"5\", expected a duration such as 5m");
  EXPECT_EQ(ParseError("x[5m:1m]"), "1:5: subqueries are not supported; see docs/rule-language.md");
  EXPECT_EQ(ParseError("1 > 2"), "1:3: comparisons between scalars must use BOOL modifier");
  EXPECT_EQ(ParseError("1 and 2"),
            "1:3: set operator \"and\" not allowed in binary scalar "
            "expression");
  EXPECT_EQ(ParseError("a + bool b"),
            "1:5: bool modifier can only be used on comparison operators");
  EXPECT_EQ(ParseError("a and on(x) group_left b"),
            "1:13: no grouping allowed for \"and\" operation");
  EXPECT_EQ(ParseError("a * on(x) group_left(x) b"),
            "1:21: label \"x\" must not occur in ON and GROUP clause at once");
  EXPECT_EQ(ParseError("{job=\"\"}"),
            "1:1: vector selector must contain at least one non-empty "
            "matcher");
  EXPECT_TRUE(ParseError("x{a=~\"(\"}")
                  .starts_with("1:6: invalid regular expression \"(\" for label \"a\": missing )"));
  EXPECT_EQ(ParseError("up\n  + \"abc"), "2:5: unterminated quoted string");
  EXPECT_EQ(ParseError("x[8d]"), "1:3: range 1w1d exceeds the maximum of 1w");
  EXPECT_EQ(ParseError("x @ 100"),
            "1:3: the @ modifier is not supported; see docs/rule-language.md");
  EXPECT_EQ(ParseError("histogram_quantile(0.9, x)"),
            "1:1: function \"histogram_quantile\" is not supported by Vigie's rule language; see "
            "docs/rule-language.md");
  EXPECT_EQ(ParseError("5m"),
            "1:1: unexpected duration \"5m\", expected an expression "
            "(durations are only allowed in [ ] and after offset)");
  EXPECT_EQ(ParseError(""), "1:1: no expression found in input");
  EXPECT_EQ(ParseError("sum(x, y)"),
            "1:1: wrong number of arguments for aggregate expression "
            "provided, expected 1, got 2");
  EXPECT_EQ(ParseError("x{a=\"\\q\"}"), "1:6: unknown escape sequence \"\\q\"");
  EXPECT_EQ(ParseError("(x) offset 5m"),
            "1:5: offset modifier must be preceded by a vector or "
            "range selector");
  EXPECT_EQ(ParseError("1 + on(x) y"), "1:5: vector matching only allowed between instant vectors");
  EXPECT_EQ(ParseError("x $ y"), "1:3: unexpected character \"$\"");
}

TEST(PromqlParser, NestingDepthIsLimited) {
  std::string deep(200, '(');
  deep += "1";
  deep += std::string(200, ')');
  std::string err = ParseError(deep);
  EXPECT_NE(err.find("nested too deeply"), std::string::npos) << err;
  std::string minus(10'000, '-');
  EXPECT_NE(ParseError(minus + "1").find("nested too deeply"), std::string::npos);
  std::string ok(100, '(');
  ok += "1";
  ok += std::string(100, ')');
  EXPECT_EQ(ParseError(ok), "OK");
}

}  // namespace
}  // namespace vigie::daemon::promql
