#include "daemon/routing/silences.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/unit/routing/test_util.h"

namespace vigie::daemon::routing {
namespace {

using ::testing::HasSubstr;
using testing::L;

constexpr int64_t kMin = 60'000;
constexpr int64_t kT0 = 1'790'000'000'000;

std::vector<Matcher> M(std::initializer_list<const char*> texts) {
  std::vector<Matcher> out;
  for (const char* t : texts) out.push_back(*Matcher::Parse(t));
  return out;
}

Silence MakeSilence(std::vector<Matcher> matchers, int64_t starts, int64_t ends) {
  Silence s;
  s.matchers = std::move(matchers);
  s.starts_at_ms = starts;
  s.ends_at_ms = ends;
  s.created_by = "alice";
  s.comment = "disk swap";
  return s;
}

class SilencesTest : public ::testing::Test {
 protected:
  Silences silences_{std::mt19937_64(42)};
};

TEST_F(SilencesTest, MutesMatchingAlertsWhileActive) {
  auto id = silences_.Add(
      MakeSilence(M({"host=db1", "alertname=~\"Disk.*\""}), kT0, kT0 + 120 * kMin), kT0);
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(id->size(), 32u);
  EXPECT_EQ(id->find_first_not_of("0123456789abcdef"), std::string::npos);

  const Labels disk = L({{"alertname", "DiskFull"}, {"host", "db1"}});
  EXPECT_TRUE(silences_.Mutes(disk, kT0));
  EXPECT_TRUE(silences_.Mutes(disk, kT0 + 119 * kMin));
  EXPECT_FALSE(silences_.Mutes(disk, kT0 + 120 * kMin));  // ends_at is exclusive
  // Regex matchers are anchored: "XDiskFull" does not match Disk.*
  EXPECT_FALSE(silences_.Mutes(L({{"alertname", "XDiskFull"}, {"host", "db1"}}), kT0));
  EXPECT_FALSE(silences_.Mutes(L({{"alertname", "DiskFull"}, {"host", "db2"}}), kT0));

  auto reason = silences_.Reason(disk, kT0);
  ASSERT_TRUE(reason.has_value());
  EXPECT_EQ(reason->kind, MuteReason::Kind::kSilence);
  EXPECT_EQ(reason->id, *id);
  EXPECT_EQ(reason->detail, "disk swap (by alice)");
}

TEST_F(SilencesTest, IdsAreDeterministicForASeed) {
  Silences other{std::mt19937_64(42)};
  auto s = MakeSilence(M({"host=a"}), kT0, kT0 + kMin);
  EXPECT_EQ(*silences_.Add(s, kT0), *other.Add(s, kT0));
  EXPECT_NE(*silences_.Add(s, kT0), *silences_.Add(s, kT0));
}

TEST_F(SilencesTest, PendingActiveExpiredStates) {
  auto pending = *silences_.Add(MakeSilence(M({"host=a"}), kT0 + 60 * kMin, kT0 + 90 * kMin), kT0);
  auto active = *silences_.Add(MakeSilence(M({"host=b"}), kT0 - kMin, kT0 + 30 * kMin), kT0);
  auto short_lived = *silences_.Add(MakeSilence(M({"host=c"}), kT0, kT0 + 5 * kMin), kT0);

  auto ids = [&](std::optional<SilenceState> state, int64_t now) {
    std::vector<std::string> out;
    for (const auto& s : silences_.List(state, now)) out.push_back(s.id);
    return out;
  };
  const int64_t now = kT0 + 10 * kMin;
  EXPECT_EQ(ids(SilenceState::kPending, now), std::vector<std::string>{pending});
  EXPECT_EQ(ids(SilenceState::kActive, now), std::vector<std::string>{active});
  EXPECT_EQ(ids(SilenceState::kExpired, now), std::vector<std::string>{short_lived});
  EXPECT_EQ(ids(std::nullopt, now).size(), 3u);
  // A start in the past is moved to now, as Alertmanager does.
  EXPECT_EQ(silences_.Get(active)->starts_at_ms, kT0);
  EXPECT_FALSE(silences_.Mutes(L({{"host", "a"}}), now));
  EXPECT_TRUE(silences_.Mutes(L({{"host", "a"}}), kT0 + 60 * kMin));
  EXPECT_EQ(ParseSilenceState("active"), SilenceState::kActive);
  EXPECT_EQ(ParseSilenceState("bogus"), std::nullopt);
}

TEST_F(SilencesTest, Expire) {
  auto active = *silences_.Add(MakeSilence(M({"host=b"}), kT0, kT0 + 30 * kMin), kT0);
  auto pending = *silences_.Add(MakeSilence(M({"host=a"}), kT0 + 60 * kMin, kT0 + 90 * kMin), kT0);
  const int64_t now = kT0 + 10 * kMin;
  ASSERT_TRUE(silences_.Expire(active, now).ok());
  EXPECT_FALSE(silences_.Mutes(L({{"host", "b"}}), now));
  EXPECT_EQ(silences_.Get(active)->ends_at_ms, now);
  EXPECT_EQ(silences_.Get(active)->updated_at_ms, now);
  EXPECT_EQ(silences_.Get(active)->created_at_ms, kT0);
  ASSERT_TRUE(silences_.Expire(pending, now).ok());
  EXPECT_EQ(silences_.Get(pending)->StateAt(now), SilenceState::kExpired);
  EXPECT_FALSE(silences_.Mutes(L({{"host", "a"}}), kT0 + 70 * kMin));

  EXPECT_EQ(silences_.Expire(active, now + 1).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(silences_.Expire("nope", now).code(), absl::StatusCode::kNotFound);
}

TEST_F(SilencesTest, RefusesInvalidSilences) {
  auto add = [&](std::vector<Matcher> m, int64_t starts, int64_t ends) {
    return silences_.Add(MakeSilence(std::move(m), starts, ends), kT0).status();
  };
  EXPECT_THAT(add({}, kT0, kT0 + kMin).message(), HasSubstr("at least one matcher"));
  // Matchers that all match the empty string would mute every alert.
  EXPECT_THAT(add(M({"x=~\".*\""}), kT0, kT0 + kMin).message(),
              HasSubstr("must not match the empty string"));
  EXPECT_THAT(add(M({"x=~\".*\"", "env!=prod"}), kT0, kT0 + kMin).message(),
              HasSubstr("must not match the empty string"));
  EXPECT_TRUE(add(M({"x=~\".*\"", "host=a"}), kT0, kT0 + kMin).ok());
  EXPECT_THAT(add(M({"host=a"}), kT0 + 2 * kMin, kT0 + kMin).message(),
              HasSubstr("end after it starts"));
  EXPECT_THAT(add(M({"host=a"}), kT0 - 2 * kMin, kT0 - kMin).message(), HasSubstr("past"));
  EXPECT_EQ(silences_.size(), 1u);
}

TEST_F(SilencesTest, SnapshotRestoreRoundTrip) {
  auto id = *silences_.Add(
      MakeSilence(M({"host=db1", "alertname=~\"Disk.*\""}), kT0, kT0 + 30 * kMin), kT0);
  auto records = silences_.Snapshot();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].matchers,
            (std::vector<std::string>{"host=\"db1\"", "alertname=~\"Disk.*\""}));

  Silences restored{std::mt19937_64(1)};
  ASSERT_TRUE(restored.Restore(records).ok());
  EXPECT_TRUE(restored.Mutes(L({{"alertname", "DiskFull"}, {"host", "db1"}}), kT0));
  EXPECT_EQ(restored.Get(id)->comment, "disk swap");

  records.push_back(records[0]);
  EXPECT_THAT(restored.Restore(records).message(), HasSubstr("duplicate"));
  records.pop_back();
  records[0].matchers = {"host=~\"(\""};
  EXPECT_FALSE(restored.Restore(records).ok());
  EXPECT_EQ(restored.size(), 1u);  // unchanged
}

TEST_F(SilencesTest, GarbageCollectDropsLongExpired) {
  auto id = *silences_.Add(MakeSilence(M({"host=a"}), kT0, kT0 + kMin), kT0);
  EXPECT_EQ(silences_.GarbageCollect(kT0 + 2 * kMin, std::chrono::hours(120)), 0u);
  EXPECT_EQ(silences_.GarbageCollect(kT0 + kMin + 120 * 60 * kMin, std::chrono::hours(120)), 1u);
  EXPECT_FALSE(silences_.Get(id).has_value());
}

}  // namespace
}  // namespace vigie::daemon::routing
