#include "agent/collector/collector_util.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/unit/agent/collector_test_util.h"

namespace vigie::agent {
namespace {

using ::vigie::agent::testing::MakeScratchDir;
using ::vigie::agent::testing::WriteScratchFile;

TEST(SplitFieldsTest, SplitsOnSpacesAndTabsAndReusesVector) {
  std::vector<std::string_view> fields;
  EXPECT_EQ(SplitFields("  a\tbb   ccc ", fields), 3u);
  EXPECT_EQ(fields, (std::vector<std::string_view>{"a", "bb", "ccc"}));
  EXPECT_EQ(SplitFields("", fields), 0u);
  EXPECT_TRUE(fields.empty());
}

TEST(NthFieldTest, CountsFromZeroAndReturnsEmptyPastTheEnd) {
  EXPECT_EQ(NthField("  a\tbb  ccc\n", 0), "a");
  EXPECT_EQ(NthField("  a\tbb  ccc", 2), "ccc");
  EXPECT_EQ(NthField("  a\tbb  ccc  ", 3), "");
  EXPECT_EQ(NthField("", 0), "");
}

TEST(NextLineTest, ReturnsLastLineWithoutNewline) {
  std::string_view rest = "one\ntwo\n\nthree";
  std::vector<std::string_view> lines;
  std::string_view line;
  while (NextLine(rest, line)) lines.push_back(line);
  EXPECT_EQ(lines, (std::vector<std::string_view>{"one", "two", "", "three"}));
}

TEST(ParseNumberTest, RejectsJunkSignsAndOverflow) {
  uint64_t u = 0;
  EXPECT_TRUE(ParseUint64("18446744073709551615", u));
  EXPECT_EQ(u, 18446744073709551615u);
  EXPECT_FALSE(ParseUint64("18446744073709551616", u));
  EXPECT_FALSE(ParseUint64("-1", u));
  EXPECT_FALSE(ParseUint64("12a", u));
  EXPECT_FALSE(ParseUint64("", u));
  double d = 0;
  EXPECT_TRUE(ParseDouble("0.25", d));
  EXPECT_EQ(d, 0.25);
  EXPECT_FALSE(ParseDouble("1.5x", d));
}

TEST(TrimSpaceTest, Trims) {
  EXPECT_EQ(TrimSpace(" \tup\n"), "up");
  EXPECT_EQ(TrimSpace(" \n"), "");
}

TEST(ReadFileIntoTest, ReadsLargeFilesAndReportsMissingOnes) {
  const std::string dir = MakeScratchDir("read");
  const std::string big(10000, 'x');
  WriteScratchFile(dir, "big", big);
  std::string buf = "previous content";
  ASSERT_TRUE(ReadFileInto(dir + "/big", buf).ok());
  EXPECT_EQ(buf, big);
  absl::Status st = ReadFileInto(dir + "/missing", buf);
  EXPECT_TRUE(absl::IsNotFound(st)) << st;
  EXPECT_NE(st.message().find("missing"), std::string_view::npos);
}

TEST(NameFilterTest, FullMatchEmptyAndInvalid) {
  NameFilter lo("lo");
  EXPECT_TRUE(lo.status().ok());
  EXPECT_TRUE(lo.Matches("lo"));
  EXPECT_FALSE(lo.Matches("lo0"));
  EXPECT_FALSE(NameFilter("").Matches(""));
  NameFilter search("^/(dev|sys)($|/)", NameFilter::Mode::kSearch);
  EXPECT_TRUE(search.Matches("/dev/shm"));
  EXPECT_TRUE(search.Matches("/sys"));
  EXPECT_FALSE(search.Matches("/devices"));
  EXPECT_FALSE(NameFilter("^/(dev|sys)($|/)").Matches("/dev/shm"));  // full match
  NameFilter bad("(");
  EXPECT_TRUE(absl::IsInvalidArgument(bad.status()));
  EXPECT_FALSE(bad.Matches("("));
}

TEST(MalformedLineTest, NamesTheFileAndLine) {
  absl::Status st = MalformedLine("/proc/x", 7, "garbage");
  EXPECT_TRUE(absl::IsInvalidArgument(st));
  EXPECT_EQ(st.message(), "/proc/x line 7: malformed: \"garbage\"");
}

}  // namespace
}  // namespace vigie::agent
