// vigiectl: the administrator's CLI over vigied's Admin gRPC API. This file
// only parses the command line and dispatches; client.cc talks to vigied and
// output.cc renders.
#include <unistd.h>

#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "cli/args.h"
#include "cli/client.h"
#include "cli/output.h"
#include "common/clock.h"
#include "common/strings.h"
#include "common/units.h"
#include "common/version.h"

namespace vigie::cli {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

struct Flags {
  std::string server = "127.0.0.1:9470";
  std::string timeout = "10s";
  std::string output = "table";
  std::string host_name;
  std::string series_host;
  std::string series_metric;
  std::vector<std::string> matches;
  std::string author;
  std::string alert_state;
  SilenceFlags silence;
  std::string silence_state;
  std::string silence_id;
  uint32_t audit_limit = 0;
  IncidentListFlags incidents;
  int64_t incident_id = 0;
  IncidentActionFlags incident_action;
  std::vector<std::string> comment_words;  // `incident comment ID TEXT...`
  OpenIncidentFlags open_incident;
  std::string schedule;  // `oncall who --schedule`, `oncall show|override|overrides S`
  std::string at;        // `oncall who --at`
  RangeFlags range;      // `oncall show`, `report`: --from, --to
  OverrideFlags override_flags;
  std::string override_id;
};

const CLI::Validator kDuration(
    [](std::string& text) -> std::string {
      absl::StatusOr<std::chrono::milliseconds> d = ParseDuration(text);
      if (!d.ok()) return std::string(d.status().message());
      if (d->count() <= 0) return "must be more than 0";
      return "";
    },
    "DURATION");

const CLI::Validator kMatcher(
    [](std::string& text) -> std::string {
      const size_t eq = text.find('=');
      if (eq == std::string::npos || eq == 0) return "expected name=value, got \"" + text + "\"";
      return "";
    },
    "NAME=VALUE");

const CLI::Validator kSilenceMatcher(
    [](std::string& text) -> std::string {
      absl::StatusOr<std::string> m = NormalizeSilenceMatcher(text);
      return m.ok() ? "" : std::string(m.status().message());
    },
    "MATCHER");

const CLI::Validator kRfc3339(
    [](std::string& text) -> std::string {
      absl::StatusOr<int64_t> t = ParseRfc3339(text);
      return t.ok() ? "" : std::string(t.status().message());
    },
    "RFC3339");

const CLI::Validator kDateOrRfc3339(
    [](std::string& text) -> std::string {
      absl::StatusOr<int64_t> t = ParseDateOrRfc3339(text);
      return t.ok() ? "" : std::string(t.status().message());
    },
    "DATE|RFC3339");

const CLI::Validator kIncidentId(
    [](std::string& text) -> std::string {
      int64_t id = 0;
      const char* end = text.data() + text.size();
      auto [ptr, ec] = std::from_chars(text.data(), end, id);
      if (ec != std::errc() || ptr != end || id <= 0) {
        return "expected a positive incident id, got \"" + text + "\"";
      }
      return "";
    },
    "ID");

const CLI::Validator kNotEmpty(
    [](std::string& text) { return text.empty() ? std::string("must not be empty") : ""; }, "TEXT");

// --author, else $USER, else "unknown"; then "@" and this machine's name.
std::string Actor(const Flags& flags) {
  const char* user = std::getenv("USER");
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) != 0) host[0] = '\0';
  return MakeActor(flags.author, user == nullptr ? "" : user, host);
}

OutputFormat FormatOf(const std::string& name) {
  if (name == "csv") return OutputFormat::kCsv;
  if (name == "json") return OutputFormat::kJson;
  return OutputFormat::kTable;
}

// Prints the rendering, or the error; returns the exit code.
template <typename T>
int Print(const absl::StatusOr<T>& result, const Flags& flags,
          const std::function<std::string(const T&)>& render) {
  if (!result.ok()) {
    std::cerr << FormatError(result.status(), flags.server) << "\n";
    return kExitFailure;
  }
  std::cout << render(*result);
  return kExitOk;
}

int PrintStatus(const absl::Status& status, const Flags& flags) {
  if (!status.ok()) {
    std::cerr << FormatError(status, flags.server) << "\n";
    return kExitFailure;
  }
  return kExitOk;
}

vigie::v1::QuerySeriesRequest SeriesRequest(const Flags& flags) {
  vigie::v1::QuerySeriesRequest request;
  request.set_host(flags.series_host);
  request.set_metric(flags.series_metric);
  for (const std::string& m : flags.matches) {
    const size_t eq = m.find('=');  // validated by kMatcher
    auto* label = request.add_matchers();
    label->set_name(m.substr(0, eq));
    label->set_value(m.substr(eq + 1));
  }
  return request;
}

int Run(int argc, char** argv) {
  Flags flags;
  CLI::App app("vigiectl: administer a Vigie monitoring daemon (vigied)", "vigiectl");
  app.fallthrough();  // global options are accepted after the command too
  app.require_subcommand(1);
  app.add_option("--server", flags.server, "vigied admin address, HOST:PORT")
      ->envname("VIGIE_SERVER")
      ->capture_default_str();
  app.add_option("--timeout", flags.timeout, "deadline of each call, e.g. 10s, 500ms")
      ->check(kDuration)
      ->capture_default_str();
  app.add_option("--output,-o", flags.output, "output format (html: report only)")
      ->check(CLI::IsMember({"table", "csv", "json", "html"}))
      ->capture_default_str();

  CLI::App* hosts = app.add_subcommand("hosts", "list the hosts vigied knows");
  CLI::App* host = app.add_subcommand("host", "one host");
  host->require_subcommand(1);
  CLI::App* host_show = host->add_subcommand("show", "everything vigied knows about a host");
  host_show->add_option("NAME", flags.host_name, "host name")->required();
  CLI::App* inventory = app.add_subcommand("inventory", "hardware and OS inventory of every host");
  CLI::App* series = app.add_subcommand("series", "the recent samples of a host's metric");
  series->add_option("--host", flags.series_host, "host name")->required();
  series->add_option("--metric", flags.series_metric, "metric name")->required();
  series->add_option("--match", flags.matches, "equality matcher on a label (repeatable)")
      ->check(kMatcher);
  app.add_option("--author", flags.author,
                 "who you are, recorded with every change (default: $USER), as NAME@HOSTNAME");

  CLI::App* alerts = app.add_subcommand("alerts", "the current alerts (pending, firing, resolved)");
  alerts->add_option("--state", flags.alert_state, "only alerts in this state")
      ->check(CLI::IsMember({"firing", "pending", "flapping", "resolved"}));

  CLI::App* silence = app.add_subcommand("silence", "mute alerts for a while");
  silence->require_subcommand(1);
  CLI::App* silence_add = silence->add_subcommand("add", "add a silence; prints its id");
  silence_add
      ->add_option("--match", flags.silence.matches,
                   "label matcher, e.g. host=db1, alertname=~Disk.*, env!=prod (repeatable)")
      ->required()
      ->check(kSilenceMatcher);
  silence_add->add_option("--for", flags.silence.duration, "how long, e.g. 2h, 1h30m")
      ->required()
      ->check(kDuration);
  silence_add->add_option("--start", flags.silence.start, "start time, RFC 3339 (default: now)")
      ->check(kRfc3339);
  silence_add->add_option("--comment", flags.silence.comment, "why (required)")
      ->required()
      ->check(kNotEmpty);
  CLI::App* silence_list = silence->add_subcommand("list", "list silences");
  silence_list->add_option("--state", flags.silence_state, "only silences in this state")
      ->check(CLI::IsMember({"active", "pending", "expired"}));
  CLI::App* silence_expire = silence->add_subcommand("expire", "end a silence now");
  silence_expire->add_option("ID", flags.silence_id, "silence id")->required();

  CLI::App* reload = app.add_subcommand(
      "reload", "make vigied re-read its configuration (kept unchanged on error)");
  CLI::App* audit = app.add_subcommand("audit", "who changed what (newest first)");
  audit->add_option("--limit", flags.audit_limit, "at most this many entries (default: 100)")
      ->check(CLI::Range(1, 10'000));

  CLI::App* incidents = app.add_subcommand("incidents", "list incidents (newest first)");
  incidents->add_flag("--open", flags.incidents.open_only, "only incidents not resolved");
  incidents
      ->add_option("--from", flags.incidents.from,
                   "opened at or after, 2026-10-01 (00:00 UTC) or RFC 3339")
      ->check(kDateOrRfc3339);
  incidents->add_option("--to", flags.incidents.to, "opened before, same forms")
      ->check(kDateOrRfc3339);
  incidents->add_option("--limit", flags.incidents.limit, "at most this many (default: 100)")
      ->check(CLI::Range(1, 10'000));
  // `ack` and `unack` are top-level: the commands on-call types most.
  auto add_id = [&](CLI::App* cmd) {
    cmd->add_option("ID", flags.incident_id, "incident id")->required()->check(kIncidentId);
  };
  auto add_comment = [&](CLI::App* cmd) {
    cmd->add_option("--comment", flags.incident_action.comment,
                    "a note for the incident's timeline")
        ->check(kNotEmpty);
  };
  CLI::App* ack = app.add_subcommand("ack", "acknowledge an incident");
  add_id(ack);
  add_comment(ack);
  CLI::App* unack = app.add_subcommand("unack", "take back an incident's acknowledgement");
  add_id(unack);
  add_comment(unack);
  CLI::App* incident = app.add_subcommand("incident", "one incident");
  incident->require_subcommand(1);
  CLI::App* incident_show =
      incident->add_subcommand("show", "an incident and its timeline (-o table|json)");
  add_id(incident_show);
  CLI::App* incident_resolve =
      incident->add_subcommand("resolve", "resolve an incident, or record its cause once closed");
  add_id(incident_resolve);
  incident_resolve->add_option("--cause", flags.incident_action.cause,
                               "root cause, from the configured taxonomy");
  incident_resolve->add_option("--owner", flags.incident_action.owner,
                               "who owned the cause: internal or a provider's name");
  add_comment(incident_resolve);
  CLI::App* incident_reassign = incident->add_subcommand("reassign", "give an incident to a user");
  add_id(incident_reassign);
  incident_reassign->add_option("--user", flags.incident_action.user, "the new assignee")
      ->required()
      ->check(kNotEmpty);
  add_comment(incident_reassign);
  CLI::App* incident_comment =
      incident->add_subcommand("comment", "add a comment to an incident's timeline");
  add_id(incident_comment);
  incident_comment->add_option("TEXT", flags.comment_words, "the comment")->required();
  CLI::App* incident_open = incident->add_subcommand(
      "open", "open an incident reported by a person (a user calls); prints its id");
  incident_open->add_option("--title", flags.open_incident.title, "what is wrong")
      ->required()
      ->check(kNotEmpty);
  incident_open->add_option("--service", flags.open_incident.service, "the service affected")
      ->required()
      ->check(kNotEmpty);
  incident_open->add_option("--reported-by", flags.open_incident.reported_by, "who reported it")
      ->required()
      ->check(kNotEmpty);
  incident_open->add_option("--severity", flags.open_incident.severity, "default: warning")
      ->check(CLI::IsMember({"critical", "warning", "info"}));

  CLI::App* oncall = app.add_subcommand("oncall", "on-call schedules and overrides");
  oncall->require_subcommand(1);
  auto add_range = [&](CLI::App* cmd, RangeFlags& range) {
    cmd->add_option("--from", range.from, "start: a day (2026-10-01, 00:00 UTC) or RFC 3339")
        ->required()
        ->check(kDateOrRfc3339);
    cmd->add_option("--to", range.to, "end (exclusive), same forms")
        ->required()
        ->check(kDateOrRfc3339);
  };
  auto add_schedule = [&](CLI::App* cmd) {
    cmd->add_option("SCHEDULE", flags.schedule, "schedule name")->required()->check(kNotEmpty);
  };
  CLI::App* oncall_who = oncall->add_subcommand("who", "who is on call, for each schedule");
  oncall_who->add_option("--schedule", flags.schedule, "only this schedule")->check(kNotEmpty);
  oncall_who
      ->add_option("--at", flags.at,
                   "at this time, 2026-10-01 (00:00 UTC) or RFC 3339 (default: now)")
      ->check(kDateOrRfc3339);
  CLI::App* oncall_show =
      oncall->add_subcommand("show", "a schedule's final shifts (overrides included)");
  add_schedule(oncall_show);
  add_range(oncall_show, flags.range);
  CLI::App* oncall_override =
      oncall->add_subcommand("override", "put a user on call for a while; prints its id");
  add_schedule(oncall_override);
  oncall_override->add_option("--user", flags.override_flags.user, "who is on call instead")
      ->required()
      ->check(kNotEmpty);
  add_range(oncall_override, flags.override_flags.range);
  oncall_override->add_option("--reason", flags.override_flags.reason, "why (e.g. a swap)");
  CLI::App* oncall_overrides = oncall->add_subcommand("overrides", "list a schedule's overrides");
  oncall_overrides->add_option("SCHEDULE", flags.schedule, "schedule name (default: every one)");
  CLI::App* oncall_override_delete =
      oncall->add_subcommand("override-delete", "delete an override");
  oncall_override_delete->add_option("ID", flags.override_id, "override id")
      ->required()
      ->check(kNotEmpty);

  CLI::App* report = app.add_subcommand(
      "report",
      "the non-quality report over incidents opened in a period (-o table|csv|json|html)");
  add_range(report, flags.range);

  CLI::App* version = app.add_subcommand("version", "print vigiectl's version");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);  // prints help, or the error naming the argument
    return code == 0 ? kExitOk : kExitUsage;
  }

  if (version->parsed()) {
    std::cout << "vigiectl " << kVersion << "\n";
    return kExitOk;
  }
  if (flags.output == "html" && !report->parsed()) {
    std::cerr << "vigiectl: --output: html is only for report\n";
    return kExitUsage;
  }
  const OutputFormat format = FormatOf(flags.output);
  const std::chrono::milliseconds timeout = *ParseDuration(flags.timeout);  // validated
  AdminClient client(flags.server, timeout);
  const int64_t now_ms = SystemClock().NowMillis();

  if (hosts->parsed()) {
    return Print<std::vector<vigie::v1::Host>>(
        client.ListHosts(), flags, [&](const auto& v) { return RenderHosts(v, format, now_ms); });
  }
  if (host_show->parsed()) {
    return Print<vigie::v1::Host>(client.GetHost(flags.host_name), flags, [&](const auto& h) {
      return RenderHostDetail(h, format, now_ms);
    });
  }
  if (inventory->parsed()) {
    return Print<std::vector<vigie::v1::Host>>(
        client.ListHosts(), flags, [&](const auto& v) { return RenderInventory(v, format); });
  }
  if (series->parsed()) {
    return Print<std::vector<vigie::v1::SeriesData>>(
        client.QuerySeries(SeriesRequest(flags)), flags,
        [&](const auto& v) { return RenderSeries(v, format); });
  }
  if (alerts->parsed()) {
    return Print<std::vector<vigie::v1::Alert>>(
        client.ListAlerts(flags.alert_state), flags,
        [&](const auto& v) { return RenderAlerts(v, format, now_ms); });
  }
  if (silence_add->parsed()) {
    absl::StatusOr<vigie::v1::AddSilenceRequest> request =
        MakeSilenceRequest(flags.silence, Actor(flags), now_ms);
    if (!request.ok()) {  // CLI11's checks catch these first; kept for safety
      std::cerr << "vigiectl: " << request.status().message() << "\n";
      return kExitUsage;
    }
    return Print<std::string>(client.AddSilence(*request), flags,
                              [&](const auto& id) { return RenderSilenceId(id, format); });
  }
  if (silence_list->parsed()) {
    return Print<std::vector<vigie::v1::Silence>>(
        client.ListSilences(flags.silence_state), flags,
        [&](const auto& v) { return RenderSilences(v, format, now_ms); });
  }
  if (silence_expire->parsed()) {
    return PrintStatus(client.ExpireSilence(flags.silence_id, Actor(flags)), flags);
  }
  if (reload->parsed()) {
    return Print<vigie::v1::ReloadResponse>(client.Reload(Actor(flags)), flags,
                                            [&](const auto& r) { return RenderReload(r, format); });
  }
  if (audit->parsed()) {
    return Print<std::vector<vigie::v1::AuditEntry>>(
        client.ListAudit(flags.audit_limit), flags,
        [&](const auto& v) { return RenderAudit(v, format, now_ms); });
  }
  if (incidents->parsed()) {
    absl::StatusOr<vigie::v1::ListIncidentsRequest> request =
        MakeListIncidentsRequest(flags.incidents);
    if (!request.ok()) {
      std::cerr << "vigiectl: " << request.status().message() << "\n";
      return kExitUsage;
    }
    return Print<std::vector<vigie::v1::Incident>>(
        client.ListIncidents(*request), flags,
        [&](const auto& v) { return RenderIncidents(v, format); });
  }
  if (incident_show->parsed()) {
    if (format == OutputFormat::kCsv) {
      std::cerr << "vigiectl: --output: incident show prints table or json, not csv\n";
      return kExitUsage;
    }
    return Print<vigie::v1::IncidentDetail>(
        client.GetIncident(flags.incident_id), flags,
        [&](const auto& d) { return RenderIncidentDetail(d, format, now_ms); });
  }
  if (incident_open->parsed()) {
    absl::StatusOr<vigie::v1::OpenIncidentRequest> request =
        MakeOpenIncidentRequest(flags.open_incident, Actor(flags));
    if (!request.ok()) {
      std::cerr << "vigiectl: " << request.status().message() << "\n";
      return kExitUsage;
    }
    return Print<vigie::v1::Incident>(client.OpenIncident(*request), flags, [&](const auto& i) {
      return RenderIncidentOpened(i, format);
    });
  }
  if (oncall_who->parsed()) {
    absl::StatusOr<vigie::v1::WhoIsOnCallRequest> request =
        MakeWhoIsOnCallRequest(flags.schedule, flags.at);
    if (!request.ok()) {
      std::cerr << "vigiectl: " << request.status().message() << "\n";
      return kExitUsage;
    }
    return Print<std::vector<vigie::v1::OnCall>>(
        client.WhoIsOnCall(*request), flags,
        [&](const auto& v) { return RenderOnCall(v, format); });
  }
  if (oncall_show->parsed()) {
    absl::StatusOr<vigie::v1::RenderScheduleRequest> request =
        MakeRenderScheduleRequest(flags.schedule, flags.range);
    if (!request.ok()) {
      std::cerr << "vigiectl: " << request.status().message() << "\n";
      return kExitUsage;
    }
    return Print<std::vector<vigie::v1::Shift>>(
        client.RenderSchedule(*request), flags,
        [&](const auto& v) { return RenderShifts(v, format); });
  }
  if (oncall_override->parsed()) {
    absl::StatusOr<vigie::v1::AddOverrideRequest> request =
        MakeAddOverrideRequest(flags.schedule, flags.override_flags, Actor(flags));
    if (!request.ok()) {
      std::cerr << "vigiectl: " << request.status().message() << "\n";
      return kExitUsage;
    }
    return Print<std::string>(client.AddOverride(*request), flags,
                              [&](const auto& id) { return RenderOverrideId(id, format); });
  }
  if (oncall_overrides->parsed()) {
    return Print<std::vector<vigie::v1::Override>>(
        client.ListOverrides(flags.schedule), flags,
        [&](const auto& v) { return RenderOverrides(v, format); });
  }
  if (oncall_override_delete->parsed()) {
    return PrintStatus(client.DeleteOverride(flags.override_id, Actor(flags)), flags);
  }
  if (report->parsed()) {
    absl::StatusOr<vigie::v1::IncidentReportRequest> request =
        MakeReportRequest(flags.range, flags.output);
    if (!request.ok()) {
      std::cerr << "vigiectl: " << request.status().message() << "\n";
      return kExitUsage;
    }
    // vigied renders the report; printed as it comes.
    return Print<std::string>(client.Report(*request), flags,
                              [](const std::string& body) { return body; });
  }
  using Action = vigie::v1::IncidentActionRequest;
  std::optional<Action::Action> action;
  if (ack->parsed()) action = Action::ACK;
  if (unack->parsed()) action = Action::UNACK;
  if (incident_resolve->parsed()) action = Action::RESOLVE;
  if (incident_reassign->parsed()) action = Action::REASSIGN;
  if (incident_comment->parsed()) {
    action = Action::COMMENT;
    flags.incident_action.comment = JoinStrings(flags.comment_words, " ");
  }
  if (action) {
    absl::StatusOr<vigie::v1::IncidentActionRequest> request =
        MakeIncidentActionRequest(flags.incident_id, *action, flags.incident_action, Actor(flags));
    if (!request.ok()) {
      std::cerr << "vigiectl: " << request.status().message() << "\n";
      return kExitUsage;
    }
    return Print<vigie::v1::Incident>(client.ActOnIncident(*request), flags, [&](const auto& i) {
      return RenderIncidentAction(*request, i, format);
    });
  }
  return kExitUsage;  // unreachable: require_subcommand(1)
}

}  // namespace
}  // namespace vigie::cli

int main(int argc, char** argv) { return vigie::cli::Run(argc, argv); }
