#include "cli/args.h"

#include <string>
#include <utility>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace vigie::cli {
namespace {

constexpr int64_t kNow = 1'700'000'000'000;  // 2023-11-14T22:13:20Z

using testing::HasSubstr;

TEST(ParseRfc3339Test, UtcOffsetsAndFractions) {
  EXPECT_EQ(ParseRfc3339("2023-11-14T22:13:20Z").value(), kNow);
  EXPECT_EQ(ParseRfc3339("2023-11-14t22:13:20z").value(), kNow);
  EXPECT_EQ(ParseRfc3339("2023-11-14 22:13:20Z").value(), kNow);
  EXPECT_EQ(ParseRfc3339("2023-11-14T22:13:20.25Z").value(), kNow + 250);
  EXPECT_EQ(ParseRfc3339("2023-11-14T23:13:20+01:00").value(), kNow);
  EXPECT_EQ(ParseRfc3339("2023-11-14T20:43:20-01:30").value(), kNow);
  EXPECT_EQ(ParseRfc3339("1970-01-01T00:00:00Z").value(), 0);
  EXPECT_EQ(ParseRfc3339("2000-02-29T00:00:00Z").value(), 951'782'400'000);
}

TEST(ParseRfc3339Test, RejectsAnythingElse) {
  for (const char* bad :
       {"", "yesterday", "2023-11-14", "2023-11-14T22:13:20", "2023-11-14T22:13Z",
        "2023-02-30T00:00:00Z", "2023-11-14T24:00:00Z", "2023-11-14T22:13:20+0100",
        "2023-11-14T22:13:20Zjunk", "2023-11-14T22:13:20.Z", "1700000000"}) {
    absl::StatusOr<int64_t> t = ParseRfc3339(bad);
    EXPECT_TRUE(absl::IsInvalidArgument(t.status())) << bad;
    EXPECT_THAT(t.status().message(), HasSubstr(std::string("\"") + bad + "\"")) << bad;
  }
}

TEST(NormalizeSilenceMatcherTest, QuotesWhatTheCommandLineLeavesBare) {
  EXPECT_EQ(NormalizeSilenceMatcher("host=db1").value(), "host=\"db1\"");
  EXPECT_EQ(NormalizeSilenceMatcher("alertname=~Disk.*").value(), "alertname=~\"Disk.*\"");
  EXPECT_EQ(NormalizeSilenceMatcher("alertname=~\"Disk.*\"").value(), "alertname=~\"Disk.*\"");
  EXPECT_EQ(NormalizeSilenceMatcher("env!=prod").value(), "env!=\"prod\"");
  EXPECT_EQ(NormalizeSilenceMatcher("job!~\"a|b\"").value(), "job!~\"a|b\"");
  EXPECT_THAT(NormalizeSilenceMatcher("db1").status().message(), HasSubstr("\"db1\""));
  EXPECT_THAT(NormalizeSilenceMatcher("=db1").status().message(), HasSubstr("label name"));
  EXPECT_THAT(NormalizeSilenceMatcher("x=~(").status().message(),
              HasSubstr("invalid regular expression"));
}

SilenceFlags GoodFlags() {
  SilenceFlags f;
  f.matches = {"host=db1", "alertname=~Disk.*"};
  f.duration = "2h";
  f.comment = "disk swap";
  return f;
}

TEST(MakeSilenceRequestTest, EndsAfterNowOrAfterStart) {
  auto request = MakeSilenceRequest(GoodFlags(), "alice@laptop", kNow);
  ASSERT_TRUE(request.ok()) << request.status();
  ASSERT_EQ(request->matchers_size(), 2);
  EXPECT_EQ(request->matchers(0), "host=\"db1\"");
  EXPECT_EQ(request->matchers(1), "alertname=~\"Disk.*\"");
  EXPECT_EQ(request->starts_at_ms(), 0);  // vigied's now
  EXPECT_EQ(request->ends_at_ms(), kNow + 2 * 3'600'000);
  EXPECT_EQ(request->comment(), "disk swap");
  EXPECT_EQ(request->actor(), "alice@laptop");

  SilenceFlags f = GoodFlags();
  f.start = "2023-11-15T08:00:00Z";
  f.duration = "1h30m";
  request = MakeSilenceRequest(f, "alice@laptop", kNow);
  ASSERT_TRUE(request.ok()) << request.status();
  const int64_t start = ParseRfc3339("2023-11-15T08:00:00Z").value();
  EXPECT_EQ(request->starts_at_ms(), start);
  EXPECT_EQ(request->ends_at_ms(), start + 90 * 60'000);
}

TEST(MakeSilenceRequestTest, ErrorsNameTheFlag) {
  auto error_of = [](SilenceFlags f) {
    auto request = MakeSilenceRequest(f, "a@b", kNow);
    EXPECT_TRUE(absl::IsInvalidArgument(request.status()));
    return std::string(request.status().message());
  };
  SilenceFlags f = GoodFlags();
  f.matches.push_back("nonsense");
  EXPECT_THAT(error_of(f), testing::StartsWith("--match: invalid matcher \"nonsense\""));
  f = GoodFlags();
  f.matches.clear();
  EXPECT_EQ(error_of(f), "--match is required");
  f = GoodFlags();
  f.duration = "2 hours";
  EXPECT_THAT(error_of(f), testing::StartsWith("--for: "));
  f.duration = "0";
  EXPECT_THAT(error_of(f), testing::StartsWith("--for: \"0\" must be more than 0"));
  f = GoodFlags();
  f.start = "tomorrow";
  EXPECT_THAT(error_of(f), testing::StartsWith("--start: invalid time \"tomorrow\""));
  f = GoodFlags();
  f.comment.clear();
  EXPECT_EQ(error_of(f), "--comment is required");
}

TEST(ParseDateOrRfc3339Test, DayAtMidnightUtcOrRfc3339) {
  EXPECT_EQ(ParseDateOrRfc3339("2026-10-01").value(), ParseRfc3339("2026-10-01T00:00:00Z").value());
  EXPECT_EQ(ParseDateOrRfc3339("2023-11-14T22:13:20Z").value(), kNow);
  EXPECT_EQ(ParseDateOrRfc3339("2023-11-14T23:13:20+01:00").value(), kNow);
  for (const char* bad : {"", "yesterday", "2026-13-01", "2026-02-30", "2026-1-1", "1700000000",
                          "2026-10-01T10:00", "2026-10-01 "}) {
    absl::StatusOr<int64_t> t = ParseDateOrRfc3339(bad);
    EXPECT_TRUE(absl::IsInvalidArgument(t.status())) << bad;
    EXPECT_THAT(t.status().message(), HasSubstr(std::string("\"") + bad + "\"")) << bad;
  }
}

TEST(MakeListIncidentsRequestTest, BoundsOpenAndLimit) {
  auto request = MakeListIncidentsRequest({});
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(request->from_ms(), 0);
  EXPECT_EQ(request->to_ms(), 0);
  EXPECT_FALSE(request->open_only());
  EXPECT_EQ(request->limit(), 0u);

  IncidentListFlags f;
  f.from = "2026-10-01";
  f.to = "2026-11-01T00:00:00+01:00";
  f.open_only = true;
  f.limit = 20;
  request = MakeListIncidentsRequest(f);
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(request->from_ms(), ParseRfc3339("2026-10-01T00:00:00Z").value());
  EXPECT_EQ(request->to_ms(), ParseRfc3339("2026-10-31T23:00:00Z").value());
  EXPECT_TRUE(request->open_only());
  EXPECT_EQ(request->limit(), 20u);
}

TEST(MakeListIncidentsRequestTest, ErrorsNameTheFlag) {
  auto error_of = [](IncidentListFlags f) {
    auto request = MakeListIncidentsRequest(f);
    EXPECT_TRUE(absl::IsInvalidArgument(request.status()));
    return std::string(request.status().message());
  };
  IncidentListFlags f;
  f.from = "last week";
  EXPECT_THAT(error_of(f), testing::StartsWith("--from: invalid time \"last week\""));
  f = {};
  f.to = "2026-10-32";
  EXPECT_THAT(error_of(f), testing::StartsWith("--to: invalid time \"2026-10-32\""));
  f.from = "2026-10-02";
  f.to = "2026-10-01";
  EXPECT_EQ(error_of(f), "--to: \"2026-10-01\" must be after --from \"2026-10-02\"");
  f.to = "2026-10-02";
  EXPECT_THAT(error_of(f), testing::StartsWith("--to: "));
}

TEST(MakeIncidentActionRequestTest, CarriesWhatEachActionNeeds) {
  using V1 = vigie::v1::IncidentActionRequest;
  IncidentActionFlags f{"on it", "bob", "disk-full", "internal"};
  auto request = MakeIncidentActionRequest(42, V1::ACK, f, "alice@laptop");
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(request->id(), 42);
  EXPECT_EQ(request->action(), V1::ACK);
  EXPECT_EQ(request->actor(), "alice@laptop");
  EXPECT_EQ(request->comment(), "on it");
  EXPECT_EQ(request->user(), "");   // only to reassign
  EXPECT_EQ(request->cause(), "");  // only to resolve
  EXPECT_EQ(request->owner(), "");

  request = MakeIncidentActionRequest(42, V1::RESOLVE, f, "alice@laptop");
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(request->cause(), "disk-full");
  EXPECT_EQ(request->owner(), "internal");
  EXPECT_EQ(request->user(), "");

  request = MakeIncidentActionRequest(42, V1::REASSIGN, f, "alice@laptop");
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(request->user(), "bob");
  EXPECT_EQ(request->cause(), "");

  request = MakeIncidentActionRequest(7, V1::COMMENT, f, "alice@laptop");
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(request->action(), V1::COMMENT);
  EXPECT_EQ(request->comment(), "on it");
}

TEST(MakeIncidentActionRequestTest, ErrorsNameTheArgument) {
  using V1 = vigie::v1::IncidentActionRequest;
  auto error_of = [](int64_t id, V1::Action action, IncidentActionFlags f) {
    auto request = MakeIncidentActionRequest(id, action, f, "a@b");
    EXPECT_TRUE(absl::IsInvalidArgument(request.status()));
    return std::string(request.status().message());
  };
  EXPECT_THAT(error_of(0, V1::ACK, {}), testing::StartsWith("ID: "));
  EXPECT_THAT(error_of(-3, V1::UNACK, {}), testing::StartsWith("ID: "));
  EXPECT_EQ(error_of(42, V1::REASSIGN, {}), "--user is required");
  EXPECT_EQ(error_of(42, V1::COMMENT, {}), "TEXT must not be empty");
}

TEST(MakeOpenIncidentRequestTest, CarriesTheFlagsAndDefaultsToWarning) {
  auto request = MakeOpenIncidentRequest({"ERP is slow", "erp", "", "Mme Martin"}, "alice@laptop");
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(request->title(), "ERP is slow");
  EXPECT_EQ(request->service(), "erp");
  EXPECT_EQ(request->severity(), "warning");
  EXPECT_EQ(request->reported_by(), "Mme Martin");
  EXPECT_EQ(request->actor(), "alice@laptop");
  request = MakeOpenIncidentRequest({"x", "erp", "critical", "me"}, "a@b");
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(request->severity(), "critical");
}

TEST(MakeOpenIncidentRequestTest, ErrorsNameTheFlag) {
  auto error_of = [](OpenIncidentFlags f) {
    auto request = MakeOpenIncidentRequest(f, "a@b");
    EXPECT_TRUE(absl::IsInvalidArgument(request.status()));
    return std::string(request.status().message());
  };
  EXPECT_EQ(error_of({"", "erp", "", "me"}), "--title is required");
  EXPECT_EQ(error_of({"x", "", "", "me"}), "--service is required");
  EXPECT_EQ(error_of({"x", "erp", "", ""}), "--reported-by is required");
  EXPECT_THAT(error_of({"x", "erp", "page", "me"}), testing::StartsWith("--severity: \"page\""));
}

TEST(MakeWhoIsOnCallRequestTest, AtDefaultsToZeroForNow) {
  auto request = MakeWhoIsOnCallRequest("", "");
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(request->schedule(), "");
  EXPECT_EQ(request->at_ms(), 0);
  request = MakeWhoIsOnCallRequest("ops", "2023-11-14T23:13:20+01:00");
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(request->schedule(), "ops");
  EXPECT_EQ(request->at_ms(), kNow);
  request = MakeWhoIsOnCallRequest("ops", "2026-10-01");
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(request->at_ms(), ParseRfc3339("2026-10-01T00:00:00Z").value());
  request = MakeWhoIsOnCallRequest("ops", "noon");
  EXPECT_TRUE(absl::IsInvalidArgument(request.status()));
  EXPECT_THAT(std::string(request.status().message()),
              testing::StartsWith("--at: invalid time \"noon\""));
}

TEST(MakeRenderScheduleRequestTest, RangeAndErrors) {
  auto request = MakeRenderScheduleRequest("ops", {"2026-10-01", "2026-10-08T00:00:00+02:00"});
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(request->schedule(), "ops");
  EXPECT_EQ(request->from_ms(), ParseRfc3339("2026-10-01T00:00:00Z").value());
  EXPECT_EQ(request->to_ms(), ParseRfc3339("2026-10-07T22:00:00Z").value());

  auto error_of = [](std::string schedule, RangeFlags range) {
    auto r = MakeRenderScheduleRequest(schedule, range);
    EXPECT_TRUE(absl::IsInvalidArgument(r.status()));
    return std::string(r.status().message());
  };
  EXPECT_EQ(error_of("", {"2026-10-01", "2026-10-02"}), "SCHEDULE must not be empty");
  EXPECT_EQ(error_of("ops", {"", "2026-10-02"}), "--from is required");
  EXPECT_EQ(error_of("ops", {"2026-10-01", ""}), "--to is required");
  EXPECT_THAT(error_of("ops", {"2026-10-32", "2026-11-01"}),
              testing::StartsWith("--from: invalid time \"2026-10-32\""));
  EXPECT_THAT(error_of("ops", {"2026-10-01", "soon"}),
              testing::StartsWith("--to: invalid time \"soon\""));
  EXPECT_EQ(error_of("ops", {"2026-10-02", "2026-10-01"}),
            "--to: \"2026-10-01\" must be after --from \"2026-10-02\"");
  EXPECT_EQ(error_of("ops", {"2026-10-01", "2026-10-01T00:00:00Z"}),
            "--to: \"2026-10-01T00:00:00Z\" must be after --from \"2026-10-01\"");
}

TEST(MakeAddOverrideRequestTest, CarriesTheFlagsAndNamesErrors) {
  OverrideFlags f{"bob", {"2026-10-01T08:00:00Z", "2026-10-01T20:00:00Z"}, "swap"};
  auto request = MakeAddOverrideRequest("ops", f, "alice@laptop");
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(request->schedule(), "ops");
  EXPECT_EQ(request->user(), "bob");
  EXPECT_EQ(request->start_ms(), ParseRfc3339("2026-10-01T08:00:00Z").value());
  EXPECT_EQ(request->end_ms(), ParseRfc3339("2026-10-01T20:00:00Z").value());
  EXPECT_EQ(request->reason(), "swap");
  EXPECT_EQ(request->actor(), "alice@laptop");

  auto error_of = [](std::string schedule, OverrideFlags flags) {
    auto r = MakeAddOverrideRequest(schedule, flags, "a@b");
    EXPECT_TRUE(absl::IsInvalidArgument(r.status()));
    return std::string(r.status().message());
  };
  EXPECT_EQ(error_of("", f), "SCHEDULE must not be empty");
  OverrideFlags no_user = f;
  no_user.user.clear();
  EXPECT_EQ(error_of("ops", no_user), "--user is required");
  OverrideFlags backwards = f;
  std::swap(backwards.range.from, backwards.range.to);
  EXPECT_THAT(error_of("ops", backwards), testing::StartsWith("--to: "));
}

TEST(MakeReportRequestTest, RangeAndFormat) {
  for (const char* format : {"table", "csv", "json", "html"}) {
    auto request = MakeReportRequest({"2026-10-01", "2026-11-01"}, format);
    ASSERT_TRUE(request.ok()) << request.status();
    EXPECT_EQ(request->format(), format);
    EXPECT_EQ(request->from_ms(), ParseRfc3339("2026-10-01T00:00:00Z").value());
    EXPECT_EQ(request->to_ms(), ParseRfc3339("2026-11-01T00:00:00Z").value());
  }
  auto request = MakeReportRequest({"2026-10-01", "2026-11-01"}, "pdf");
  EXPECT_TRUE(absl::IsInvalidArgument(request.status()));
  EXPECT_THAT(std::string(request.status().message()), testing::StartsWith("--output: \"pdf\""));
  request = MakeReportRequest({"2026-10-01", ""}, "table");
  EXPECT_EQ(std::string(request.status().message()), "--to is required");
}

TEST(MakeActorTest, AuthorThenUserThenUnknown) {
  EXPECT_EQ(MakeActor("bob", "alice", "laptop"), "bob@laptop");
  EXPECT_EQ(MakeActor("", "alice", "laptop"), "alice@laptop");
  EXPECT_EQ(MakeActor("", "", "laptop"), "unknown@laptop");
  EXPECT_EQ(MakeActor("", "alice", ""), "alice");
}

}  // namespace
}  // namespace vigie::cli
