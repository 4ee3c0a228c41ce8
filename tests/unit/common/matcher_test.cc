#include "common/matcher.h"

#include <gtest/gtest.h>

namespace vigie {
namespace {

TEST(MatcherTest, Operators) {
  auto eq = Matcher::Make("host", MatchOp::kEqual, "db1");
  ASSERT_TRUE(eq.ok());
  EXPECT_TRUE(eq->Matches("db1"));
  EXPECT_FALSE(eq->Matches("db10"));
  auto ne = Matcher::Make("host", MatchOp::kNotEqual, "db1");
  EXPECT_TRUE(ne->Matches("db2"));
  EXPECT_FALSE(ne->Matches("db1"));
}

TEST(MatcherTest, RegexIsFullyAnchored) {
  auto re = Matcher::Make("host", MatchOp::kRegexMatch, "db.*");
  ASSERT_TRUE(re.ok());
  EXPECT_TRUE(re->Matches("db1"));
  EXPECT_FALSE(re->Matches("xdb1"));
  auto alt = Matcher::Make("x", MatchOp::kRegexMatch, "a|b");
  EXPECT_TRUE(alt->Matches("b"));
  EXPECT_FALSE(alt->Matches("ab"));
  auto nre = Matcher::Make("host", MatchOp::kRegexNoMatch, "db.*");
  EXPECT_FALSE(nre->Matches("db1"));
  EXPECT_TRUE(nre->Matches("web1"));
}

TEST(MatcherTest, MissingLabelIsEmpty) {
  Labels labels = {{"env", "prod"}, {"host", "db1"}};
  EXPECT_TRUE(Matcher::Make("team", MatchOp::kEqual, "")->Matches(labels));
  EXPECT_FALSE(Matcher::Make("env", MatchOp::kEqual, "")->Matches(labels));
  EXPECT_TRUE(Matcher::Make("env", MatchOp::kNotEqual, "")->Matches(labels));
  EXPECT_TRUE(Matcher::Make("host", MatchOp::kEqual, "db1")->Matches(labels));
}

TEST(MatcherTest, InvalidRegexNamesIt) {
  auto bad = Matcher::Make("host", MatchOp::kRegexMatch, "(");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("invalid regular expression \"(\" for label \"host\""),
            absl::string_view::npos);
}

TEST(MatcherTest, ParseAndPrint) {
  auto m = Matcher::Parse("alertname=~Disk.*");
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->name(), "alertname");
  EXPECT_EQ(m->op(), MatchOp::kRegexMatch);
  EXPECT_EQ(m->value(), "Disk.*");
  EXPECT_EQ(m->ToString(), "alertname=~\"Disk.*\"");
  auto q = Matcher::Parse("host!=\"db \\\"1\\\"\"");
  ASSERT_TRUE(q.ok()) << q.status();
  EXPECT_EQ(q->value(), "db \"1\"");
  EXPECT_EQ(q->op(), MatchOp::kNotEqual);
  EXPECT_FALSE(Matcher::Parse("host").ok());
  EXPECT_FALSE(Matcher::Parse("=x").ok());
  EXPECT_FALSE(Matcher::Parse("1a=x").ok());
}

TEST(MatcherTest, MatchesAll) {
  std::vector<Matcher> ms = {*Matcher::Parse("env=prod"), *Matcher::Parse("host=~db.*")};
  EXPECT_TRUE(MatchesAll(ms, {{"env", "prod"}, {"host", "db1"}}));
  EXPECT_FALSE(MatchesAll(ms, {{"env", "dev"}, {"host", "db1"}}));
  EXPECT_TRUE(MatchesAll({}, {}));
}

}  // namespace
}  // namespace vigie
