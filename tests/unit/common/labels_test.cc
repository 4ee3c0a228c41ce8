#include "common/labels.h"

#include <gtest/gtest.h>

namespace vigie {
namespace {

TEST(LabelsTest, MetricNames) {
  EXPECT_TRUE(IsValidMetricName("node_load1"));
  EXPECT_TRUE(IsValidMetricName("job:rate5m"));
  EXPECT_TRUE(IsValidMetricName("_x"));
  EXPECT_FALSE(IsValidMetricName(""));
  EXPECT_FALSE(IsValidMetricName("1abc"));
  EXPECT_FALSE(IsValidMetricName("a-b"));
  EXPECT_FALSE(IsValidMetricName("a b"));
}

TEST(LabelsTest, LabelNames) {
  EXPECT_TRUE(IsValidLabelName("env"));
  EXPECT_TRUE(IsValidLabelName("_x1"));
  EXPECT_FALSE(IsValidLabelName("__name__"));
  EXPECT_FALSE(IsValidLabelName("1bad"));
  EXPECT_FALSE(IsValidLabelName("a:b"));
  EXPECT_FALSE(IsValidLabelName(""));
}

TEST(LabelsTest, Utf8) {
  EXPECT_TRUE(IsValidUtf8("plain"));
  EXPECT_TRUE(IsValidUtf8("d\xC3\xA9j\xC3\xA0 \xE2\x82\xAC \xF0\x9F\x98\x80"));
  EXPECT_FALSE(IsValidUtf8("\xC3"));              // truncated
  EXPECT_FALSE(IsValidUtf8("\xC0\x80"));          // overlong NUL
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));      // surrogate
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\xFF"));
}

TEST(LabelsTest, ValidateSeriesNamesTheProblem) {
  LabelLimits limits;
  EXPECT_TRUE(ValidateSeries("node_load1", {{"a", "b"}}, limits).ok());
  auto st = ValidateSeries("node_load1", {{"1bad", "x"}}, limits);
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(st.message(), "invalid label name \"1bad\" on metric \"node_load1\"");
  EXPECT_FALSE(ValidateSeries("m", {{"host", "x"}}, limits).ok());
  limits.max_value_length = 3;
  EXPECT_FALSE(ValidateSeries("m", {{"a", "abcd"}}, limits).ok());
  limits.max_labels = 1;
  EXPECT_FALSE(ValidateSeries("m", {{"a", "1"}, {"b", "2"}}, limits).ok());
  EXPECT_FALSE(ValidateSeries("bad-name", {}, LabelLimits{}).ok());
}

TEST(LabelsTest, NormalizeSortsAndRejectsDuplicates) {
  Labels l = {{"b", "2"}, {"a", "1"}};
  ASSERT_TRUE(NormalizeLabels(l).ok());
  EXPECT_EQ(l[0].name, "a");
  Labels dup = {{"a", "1"}, {"a", "2"}};
  EXPECT_FALSE(NormalizeLabels(dup).ok());
}

TEST(LabelsTest, FingerprintIsStableAndSeparatesFields) {
  EXPECT_EQ(Fingerprint("m", {{"a", "b"}}), Fingerprint("m", {{"a", "b"}}));
  EXPECT_NE(Fingerprint("m", {{"ab", "c"}}), Fingerprint("m", {{"a", "bc"}}));
  EXPECT_NE(Fingerprint("m", {}), Fingerprint("n", {}));
  FingerprintBuilder b;
  b.Add("m");
  b.Add("a");
  b.Add("b");
  EXPECT_EQ(b.value(), Fingerprint("m", {{"a", "b"}}));
}

TEST(LabelsTest, FormatSeriesEscapes) {
  EXPECT_EQ(FormatSeries("m", {}), "m");
  EXPECT_EQ(FormatSeries("m", {{"a", "x\"y\\z\n"}}), "m{a=\"x\\\"y\\\\z\\n\"}");
}

}  // namespace
}  // namespace vigie
