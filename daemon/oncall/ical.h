// An iCalendar (RFC 5545) feed of on-call shifts, for calendar applications
// that subscribe to a URL (served as /oncall/<schedule>.ics).
//
// The output is one VCALENDAR (VERSION 2.0, CALSCALE GREGORIAN, X-WR-CALNAME)
// with one VEVENT per shift: UID (stable: a hash of schedule, user and start,
// so a calendar updates an event rather than duplicating it), DTSTAMP (now),
// DTSTART and DTEND in UTC (YYYYMMDDTHHMMSSZ), SUMMARY "On call: <user>
// (<schedule>)" and a DESCRIPTION with the user's contact details and the
// shift's source. Lines end with CRLF and are folded at 75 octets without
// splitting a UTF-8 character; text values are escaped (\\ \; \, \n).
//
// Pure function, thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/oncall/schedule.h"

namespace vigie::daemon::oncall {

// `users` gives the contact details; a shift whose user is unknown gets a
// description with its source only.
std::string RenderICalendar(const std::string& schedule_name, const std::vector<Shift>& shifts,
                            const std::map<std::string, User>& users, int64_t now_ms);

// RFC 5545 TEXT escaping: backslash, semicolon, comma, newline (\n).
std::string EscapeICalText(std::string_view text);
// Appends `line` folded at 75 octets (continuation lines start with a space),
// each physical line ending in CRLF; never splits a UTF-8 sequence.
void AppendFoldedLine(std::string& out, std::string_view line);
// 20260329T010000Z
std::string FormatICalUtc(int64_t ms);

}  // namespace vigie::daemon::oncall
