#include "common/units.h"

#include <gtest/gtest.h>

#include "common/backoff.h"

namespace vigie {
namespace {

using std::chrono::milliseconds;

TEST(UnitsTest, Durations) {
  EXPECT_EQ(*ParseDuration("15s"), milliseconds(15'000));
  EXPECT_EQ(*ParseDuration("250ms"), milliseconds(250));
  EXPECT_EQ(*ParseDuration("1h30m"), milliseconds(5'400'000));
  EXPECT_EQ(*ParseDuration("2d"), milliseconds(172'800'000));
  EXPECT_EQ(*ParseDuration("0"), milliseconds(0));
  for (const char* bad : {"", "15", "s", "1x", "-1s", "1.5s", "99999999999999999999h"}) {
    auto d = ParseDuration(bad);
    EXPECT_FALSE(d.ok()) << bad;
  }
  EXPECT_EQ(ParseDuration("1x").status().message(),
            "invalid duration \"1x\" (expected e.g. 500ms, 15s, 1h30m)");
}

TEST(UnitsTest, FormatDurationRoundTrips) {
  EXPECT_EQ(FormatDuration(milliseconds(90'000)), "1m30s");
  EXPECT_EQ(FormatDuration(milliseconds(0)), "0s");
  EXPECT_EQ(FormatDuration(milliseconds(1'500)), "1s500ms");
  for (int64_t ms : {1, 999, 61'000, 3'600'000, 90'061'001}) {
    EXPECT_EQ(*ParseDuration(FormatDuration(milliseconds(ms))), milliseconds(ms));
  }
}

TEST(UnitsTest, Bytes) {
  EXPECT_EQ(*ParseBytes("4096"), 4096u);
  EXPECT_EQ(*ParseBytes("64KiB"), 65'536u);
  EXPECT_EQ(*ParseBytes("4MiB"), 4u << 20);
  EXPECT_EQ(*ParseBytes("1GB"), 1'000'000'000u);
  EXPECT_EQ(*ParseBytes("2k"), 2'000u);
  EXPECT_FALSE(ParseBytes("4 MiB").ok());
  EXPECT_FALSE(ParseBytes("MiB").ok());
  EXPECT_FALSE(ParseBytes("4TiB").ok());
  EXPECT_FALSE(ParseBytes("-1").ok());
}

TEST(BackoffTest, GrowsCapsAndResets) {
  Backoff b({milliseconds(100), milliseconds(1'000), 2.0, 0.0}, 1);
  EXPECT_EQ(b.Next(), milliseconds(100));
  EXPECT_EQ(b.Next(), milliseconds(200));
  EXPECT_EQ(b.Next(), milliseconds(400));
  EXPECT_EQ(b.Next(), milliseconds(800));
  EXPECT_EQ(b.Next(), milliseconds(1'000));
  EXPECT_EQ(b.Next(), milliseconds(1'000));
  b.Reset();
  EXPECT_EQ(b.Next(), milliseconds(100));
}

TEST(BackoffTest, JitterStaysInBandAndVaries) {
  Backoff b({milliseconds(1'000), milliseconds(1'000), 2.0, 0.2}, 42);
  bool varied = false;
  milliseconds first = b.Next();
  for (int i = 0; i < 100; ++i) {
    milliseconds d = b.Next();
    EXPECT_GE(d, milliseconds(800));
    EXPECT_LE(d, milliseconds(1'200));
    varied |= d != first;
  }
  EXPECT_TRUE(varied);
}

}  // namespace
}  // namespace vigie
