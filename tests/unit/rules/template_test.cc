#include "daemon/rules/template.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace vigie::daemon::rules {
namespace {

using ::testing::StartsWith;

const Labels kLabels = {{"__name__", "node_load1"}, {"host", "db1"}, {"job", "node"}};

std::string Expand(std::string_view text, double value = 0) {
  auto s = ExpandTemplate(text, kLabels, value);
  EXPECT_TRUE(s.ok()) << s.status();
  return s.ok() ? *s : "";
}

std::string ParseError(std::string_view text) {
  auto t = Template::Parse(text);
  EXPECT_FALSE(t.ok()) << text;
  return t.ok() ? "" : std::string(t.status().message());
}

TEST(TemplateTest, ExpandsLabelsAndValue) {
  EXPECT_EQ(Expand("{{ $labels.host }} load is {{ $value }}", 3.5), "db1 load is 3.5");
  EXPECT_EQ(Expand("{{$labels.job}}/{{$labels.missing}}."), "node/.");
  EXPECT_EQ(Expand("metric {{ $labels.__name__ }}"), "metric node_load1");
  EXPECT_EQ(Expand("no actions at all"), "no actions at all");
  EXPECT_EQ(Expand("{{ humanize $value }}B", 1234567), "1.235MB");
  EXPECT_EQ(Expand("{{ $value | humanizePercentage }}", 0.4567), "45.67%");
  EXPECT_EQ(Expand("{{ humanizeDuration $value }}", 3661), "1h 1m 1s");
  EXPECT_EQ(Expand("a {{/* a comment */}}b"), "a b");
  EXPECT_EQ(Expand("a   {{- $labels.host -}}   b"), "adb1b");
}

TEST(TemplateTest, IsLiteral) {
  EXPECT_TRUE(Template::Parse("plain")->IsLiteral());
  EXPECT_TRUE(Template::Parse("")->IsLiteral());
  EXPECT_FALSE(Template::Parse("{{ $value }}")->IsLiteral());
}

TEST(TemplateTest, RefusesWhatItDoesNotKnow) {
  EXPECT_THAT(ParseError("{{ .Labels.host }}"),
              StartsWith("1:1: unsupported template action \"{{ .Labels.host }}\" (supported: "));
  EXPECT_THAT(ParseError("first line\n  then {{ $nope }}"),
              StartsWith("2:8: unsupported template action \"{{ $nope }}\""));
  EXPECT_EQ(ParseError("x {{ $labels.host "), "1:3: unclosed template action (missing \"}}\")");
  ParseError("{{ printf \"%.2f\" $value }}");
  ParseError("{{ $labels.1bad }}");
  ParseError("{{ humanize $labels.host }}");
  ParseError("{{ }}");
}

TEST(TemplateTest, GoFloatFormatting) {
  EXPECT_EQ(FormatGoFloat(0.5), "0.5");
  EXPECT_EQ(FormatGoFloat(100000), "100000");
  EXPECT_EQ(FormatGoFloat(1e6), "1e+06");
  EXPECT_EQ(FormatGoFloat(1234567), "1.234567e+06");
  EXPECT_EQ(FormatGoFloat(0.0001), "0.0001");
  EXPECT_EQ(FormatGoFloat(0.00001), "1e-05");
  EXPECT_EQ(FormatGoFloat(-2), "-2");
  EXPECT_EQ(FormatGoFloat(0), "0");
  EXPECT_EQ(FormatGoFloat(std::nan("")), "NaN");
  EXPECT_EQ(FormatGoFloat(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(FormatGoFloat(-std::numeric_limits<double>::infinity()), "-Inf");
}

TEST(TemplateTest, HumanizeLikePrometheus) {
  EXPECT_EQ(Humanize(0), "0");
  EXPECT_EQ(Humanize(1), "1");
  EXPECT_EQ(Humanize(999), "999");
  EXPECT_EQ(Humanize(1000), "1k");
  EXPECT_EQ(Humanize(1234567), "1.235M");
  EXPECT_EQ(Humanize(-2500), "-2.5k");
  EXPECT_EQ(Humanize(0.0012), "1.2m");
  EXPECT_EQ(Humanize(0.000001), "1u");
  EXPECT_EQ(Humanize(std::nan("")), "NaN");
  EXPECT_EQ(HumanizePercentage(0.5), "50%");
  EXPECT_EQ(HumanizePercentage(0.123456), "12.35%");
  EXPECT_EQ(HumanizeDuration(0), "0s");
  EXPECT_EQ(HumanizeDuration(1.5), "1.5s");
  EXPECT_EQ(HumanizeDuration(61), "1m 1s");
  EXPECT_EQ(HumanizeDuration(93784), "1d 2h 3m 4s");
  EXPECT_EQ(HumanizeDuration(-3600), "-1h 0m 0s");
  EXPECT_EQ(HumanizeDuration(0.25), "250ms");
  EXPECT_EQ(HumanizeDuration(0.0000015), "1.5us");
}

}  // namespace
}  // namespace vigie::daemon::rules
