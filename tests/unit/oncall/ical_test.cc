#include "daemon/oncall/ical.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "tests/testing/test_env.h"
#include "tests/unit/oncall/test_util.h"

namespace vigie::daemon::oncall {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::S;
using testing::Utc;

// A long UTF-8 name, so that SUMMARY and DESCRIPTION need folding around
// multi-byte characters.
const std::string kZoe = "Zoë Ångström-Łukasiewicz Þórsdóttir 😀 🚀 ÉÈÊË";

std::map<std::string, User> Users() {
  std::map<std::string, User> users;
  users["alice"] = {"alice", "alice@example.com", "+33 6 12 34 56 78", "@alice; ops, paris",
                    "Europe/Paris"};
  users[kZoe] = {kZoe, "zoe@example.com", "", "line one\nline two\\", ""};
  return users;
}

std::vector<Shift> Shifts() {
  return {S("alice", "2026-03-23T08:00", "2026-03-30T07:00", "layer:weekly"),
          S(kZoe.c_str(), "2026-03-30T07:00", "2026-04-06T07:00", "override:o1"),
          S("bob", "2026-04-06T07:00", "2026-04-06T19:00", "layer:weekly")};
}

std::string Render() {
  return RenderICalendar("primäry", Shifts(), Users(), Utc("2026-03-25T12:34"));
}

// Physical lines, split at CRLF; fails on a bare CR or LF.
std::vector<std::string> PhysicalLines(const std::string& text) {
  std::vector<std::string> lines;
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t crlf = text.find("\r\n", pos);
    EXPECT_NE(crlf, std::string::npos) << "the text must end with CRLF";
    if (crlf == std::string::npos) break;
    std::string line = text.substr(pos, crlf - pos);
    EXPECT_EQ(line.find_first_of("\r\n"), std::string::npos) << "bare CR or LF in: " << line;
    lines.push_back(std::move(line));
    pos = crlf + 2;
  }
  return lines;
}

// RFC 5545 3.1: a line starting with a space continues the previous one.
std::vector<std::string> Unfold(const std::vector<std::string>& physical) {
  std::vector<std::string> logical;
  for (const std::string& line : physical) {
    if (!line.empty() && (line[0] == ' ' || line[0] == '\t') && !logical.empty()) {
      logical.back() += line.substr(1);
    } else {
      logical.push_back(line);
    }
  }
  return logical;
}

std::vector<std::string> Values(const std::vector<std::string>& logical, const std::string& name) {
  std::vector<std::string> out;
  for (const std::string& line : logical) {
    if (line.starts_with(name + ":")) out.push_back(line.substr(name.size() + 1));
  }
  return out;
}

bool IsContinuationByte(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

TEST(ICalTest, LinesAreCrlfFoldedAt75OctetsAndUtf8Safe) {
  const std::string ics = Render();
  const auto physical = PhysicalLines(ics);
  ASSERT_FALSE(physical.empty());
  bool folded = false;
  for (size_t i = 0; i < physical.size(); ++i) {
    const std::string& line = physical[i];
    EXPECT_LE(line.size(), 75u) << line;
    if (line.starts_with(" ")) {
      folded = true;
      // Never split inside a multi-byte character: neither the piece before
      // the fold ends mid-character, nor the continuation starts with one.
      ASSERT_GT(line.size(), 1u);
      EXPECT_FALSE(IsContinuationByte(line[1])) << "line " << i << " starts mid-character";
    }
  }
  EXPECT_TRUE(folded) << "the long name should need folding";
  EXPECT_EQ(physical.front(), "BEGIN:VCALENDAR");
  EXPECT_EQ(physical.back(), "END:VCALENDAR");
}

TEST(ICalTest, CalendarAndEvents) {
  const auto logical = Unfold(PhysicalLines(Render()));
  EXPECT_THAT(Values(logical, "VERSION"), ElementsAre("2.0"));
  EXPECT_THAT(Values(logical, "CALSCALE"), ElementsAre("GREGORIAN"));
  EXPECT_THAT(Values(logical, "PRODID"), ElementsAre("-//Vigie//On-call schedule//EN"));
  EXPECT_THAT(Values(logical, "X-WR-CALNAME"), ElementsAre("On call: primäry"));
  EXPECT_EQ(Values(logical, "BEGIN").size(), 4u);  // VCALENDAR + 3 VEVENT
  EXPECT_THAT(Values(logical, "BEGIN"), ElementsAre("VCALENDAR", "VEVENT", "VEVENT", "VEVENT"));
  EXPECT_THAT(Values(logical, "DTSTART"),
              ElementsAre("20260323T080000Z", "20260330T070000Z", "20260406T070000Z"));
  EXPECT_THAT(Values(logical, "DTEND"),
              ElementsAre("20260330T070000Z", "20260406T070000Z", "20260406T190000Z"));
  EXPECT_THAT(Values(logical, "DTSTAMP"),
              ElementsAre("20260325T123400Z", "20260325T123400Z", "20260325T123400Z"));
  EXPECT_THAT(Values(logical, "SUMMARY"),
              ElementsAre("On call: alice (primäry)", "On call: " + kZoe + " (primäry)",
                          "On call: bob (primäry)"));
  const auto descriptions = Values(logical, "DESCRIPTION");
  ASSERT_EQ(descriptions.size(), 3u);
  EXPECT_EQ(descriptions[0],
            "Email: alice@example.com\\nPhone: +33 6 12 34 56 78\\nChat: @alice\\; ops\\, "
            "paris\\nTime zone: Europe/Paris\\nSource: layer:weekly");
  EXPECT_EQ(descriptions[1],
            "Email: zoe@example.com\\nChat: line one\\nline two\\\\\\nSource: override:o1");
  EXPECT_EQ(descriptions[2], "Source: layer:weekly");  // unknown user: no contact details

  // UIDs: unique and stable (same schedule, user and start -> same UID).
  const auto uids = Values(logical, "UID");
  ASSERT_EQ(uids.size(), 3u);
  EXPECT_NE(uids[0], uids[1]);
  EXPECT_NE(uids[1], uids[2]);
  EXPECT_THAT(uids[0], HasSubstr("@vigie.oncall"));
  const auto again = Values(
      Unfold(PhysicalLines(RenderICalendar("primäry", Shifts(), {}, Utc("2026-04-01T00:00")))),
      "UID");
  EXPECT_EQ(again, uids);
  const auto other_schedule =
      Values(Unfold(PhysicalLines(RenderICalendar("other", Shifts(), {}, Utc("2026-04-01T00:00")))),
             "UID");
  EXPECT_NE(other_schedule[0], uids[0]);
}

TEST(ICalTest, EscapingAndFolding) {
  EXPECT_EQ(EscapeICalText("a\\b;c,d\ne\r\nf"), "a\\\\b\\;c\\,d\\ne\\nf");
  std::string out;
  AppendFoldedLine(out, std::string(75, 'x'));
  EXPECT_EQ(out, std::string(75, 'x') + "\r\n");
  out.clear();
  AppendFoldedLine(out, std::string(76, 'x'));
  EXPECT_EQ(out, std::string(75, 'x') + "\r\n x\r\n");
  // 74 ASCII then a 2-byte character: it moves whole to the next line.
  out.clear();
  AppendFoldedLine(out, std::string(74, 'x') + "é");
  EXPECT_EQ(out, std::string(74, 'x') + "\r\n é\r\n");
  EXPECT_EQ(FormatICalUtc(Utc("2026-10-25T01:00")), "20261025T010000Z");
  EXPECT_EQ(FormatICalUtc(Utc("2026-12-31T23:59:59") + 999), "20261231T235959Z");
  EXPECT_EQ(FormatICalUtc(0), "19700101T000000Z");
  EXPECT_EQ(FormatICalUtc(-1), "19691231T235959Z");
  // An empty schedule is still a valid calendar.
  const auto logical =
      Unfold(PhysicalLines(RenderICalendar("primary", {}, {}, Utc("2026-04-01T00:00"))));
  EXPECT_THAT(Values(logical, "BEGIN"), ElementsAre("VCALENDAR"));
}

// Loads the feed with Python's icalendar module (Debian: python3-icalendar),
// an independent reader, and prints each event.
TEST(ICalTest, PythonIcalendarReadsTheFeed) {
  const std::string python = access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "";
  if (python.empty()) GTEST_SKIP() << "no /usr/bin/python3";
  if (test_env::RunCommand({python, "-c", "import icalendar"}).exit_code != 0) {
    GTEST_SKIP() << "python3-icalendar is not installed";
  }
  test_env::TempDir dir;
  const std::string path = dir.WriteFile("primary.ics", Render());
  constexpr const char* kScript = R"(import sys, icalendar
cal = icalendar.Calendar.from_ical(open(sys.argv[1], 'rb').read())
print('calname', cal.get('X-WR-CALNAME'))
for ev in cal.walk('VEVENT'):
    print('|'.join([ev.decoded('DTSTART').isoformat(), ev.decoded('DTEND').isoformat(),
                    str(ev.get('SUMMARY')), str(ev.get('DESCRIPTION')).replace('\n', '/')]))
)";
  const auto result = test_env::RunCommand({python, "-c", kScript, path});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out,
            "calname On call: primäry\n"
            "2026-03-23T08:00:00+00:00|2026-03-30T07:00:00+00:00|On call: alice (primäry)|Email: "
            "alice@example.com/Phone: +33 6 12 34 56 78/Chat: @alice; ops, paris/Time zone: "
            "Europe/Paris/Source: layer:weekly\n"
            "2026-03-30T07:00:00+00:00|2026-04-06T07:00:00+00:00|On call: " +
                kZoe + " (primäry)|Email: zoe@example.com/Chat: line one/line two\\/Source: " +
                "override:o1\n"
                "2026-04-06T07:00:00+00:00|2026-04-06T19:00:00+00:00|On call: bob "
                "(primäry)|Source: layer:weekly\n");
}

}  // namespace
}  // namespace vigie::daemon::oncall
