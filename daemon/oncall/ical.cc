#include "daemon/oncall/ical.h"

#include <chrono>

#include "common/strings.h"
#include "date/date.h"
#include "fmt/format.h"

namespace vigie::daemon::oncall {

namespace {

constexpr size_t kMaxLineOctets = 75;

// FNV-1a, 64 bits, over the parts separated by a NUL byte.
uint64_t Fnv1a(std::initializer_list<std::string_view> parts) {
  uint64_t h = 0xcbf29ce484222325ULL;
  bool first = true;
  for (std::string_view part : parts) {
    if (!first) h = (h ^ 0u) * 0x100000001b3ULL;
    first = false;
    for (unsigned char c : part) h = (h ^ c) * 0x100000001b3ULL;
  }
  return h;
}

bool IsUtf8Continuation(unsigned char c) { return (c & 0xC0) == 0x80; }

}  // namespace

std::string EscapeICalText(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case ';':
        out += "\\;";
        break;
      case ',':
        out += "\\,";
        break;
      case '\r':
        if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
        out += "\\n";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        // Other control characters are not allowed in TEXT.
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t') {
          out += ' ';
        } else {
          out += c;
        }
    }
  }
  return out;
}

void AppendFoldedLine(std::string& out, std::string_view line) {
  size_t limit = kMaxLineOctets;  // the first line: 75 octets; then a space + 74
  while (line.size() > limit) {
    size_t cut = limit;
    while (cut > 0 && IsUtf8Continuation(static_cast<unsigned char>(line[cut]))) --cut;
    if (cut == 0) cut = limit;  // not UTF-8: cut anywhere rather than loop
    out.append(line.substr(0, cut));
    out += "\r\n ";
    line.remove_prefix(cut);
    limit = kMaxLineOctets - 1;
  }
  out.append(line);
  out += "\r\n";
}

std::string FormatICalUtc(int64_t ms) {
  // By hand: date::format goes through an ostringstream, 20 times slower.
  const int64_t seconds = (ms >= 0 ? ms : ms - 999) / 1000;
  const int64_t days = (seconds >= 0 ? seconds : seconds - 86'399) / 86'400;
  const int64_t in_day = seconds - days * 86'400;
  const date::year_month_day ymd{date::sys_days(date::days(days))};
  return fmt::format("{:04}{:02}{:02}T{:02}{:02}{:02}Z", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                     in_day / 3600, in_day / 60 % 60, in_day % 60);
}

std::string RenderICalendar(const std::string& schedule_name, const std::vector<Shift>& shifts,
                            const std::map<std::string, User>& users, int64_t now_ms) {
  std::string out;
  out.reserve(256 + shifts.size() * 400);
  auto line = [&](std::string_view name, std::string_view value) {
    AppendFoldedLine(out, StrCat(name, ":", value));
  };
  line("BEGIN", "VCALENDAR");
  line("VERSION", "2.0");
  line("PRODID", "-//Vigie//On-call schedule//EN");
  line("CALSCALE", "GREGORIAN");
  line("METHOD", "PUBLISH");
  line("X-WR-CALNAME", EscapeICalText(StrCat("On call: ", schedule_name)));
  const std::string stamp = FormatICalUtc(now_ms);
  for (const Shift& s : shifts) {
    line("BEGIN", "VEVENT");
    line("UID",
         StrCat(fmt::format("{:016x}", Fnv1a({schedule_name, s.user, std::to_string(s.start_ms)})),
                "@vigie.oncall"));
    line("DTSTAMP", stamp);
    line("DTSTART", FormatICalUtc(s.start_ms));
    line("DTEND", FormatICalUtc(s.end_ms));
    line("SUMMARY", EscapeICalText(StrCat("On call: ", s.user, " (", schedule_name, ")")));
    std::string description;
    if (auto it = users.find(s.user); it != users.end()) {
      const User& u = it->second;
      if (!u.email.empty()) StrAppend(description, "Email: ", u.email, "\n");
      if (!u.phone.empty()) StrAppend(description, "Phone: ", u.phone, "\n");
      if (!u.chat.empty()) StrAppend(description, "Chat: ", u.chat, "\n");
      if (!u.time_zone.empty()) StrAppend(description, "Time zone: ", u.time_zone, "\n");
    }
    StrAppend(description, "Source: ", s.source);
    line("DESCRIPTION", EscapeICalText(description));
    line("TRANSP", "TRANSPARENT");
    line("END", "VEVENT");
  }
  line("END", "VCALENDAR");
  return out;
}

}  // namespace vigie::daemon::oncall
