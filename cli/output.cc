#include "cli/output.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <ctime>
#include <utility>

#include "common/labels.h"
#include "common/strings.h"
#include "common/units.h"
#include "fmt/format.h"
#include "google/protobuf/util/json_util.h"
#include "nlohmann/json.hpp"

namespace vigie::cli {
namespace {

using Json = nlohmann::ordered_json;
using KeyValues = std::vector<std::pair<std::string, std::string>>;

constexpr std::string_view kCsvLineEnd = "\r\n";

// Display width of UTF-8 text: code points, not bytes (labels may hold any UTF-8).
size_t DisplayWidth(std::string_view s) {
  return static_cast<size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

std::string HeaderOf(std::string_view key) {
  std::string out(key);
  for (char& c : out)
    c = c == '_' ? ' ' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string Dump(const Json& json) { return json.dump(2) + "\n"; }

std::string YesNo(bool b) { return b ? "yes" : "no"; }
std::string UpDown(bool b) { return b ? "up" : "down"; }

// Prometheus' rendering of special values; shortest round-trip otherwise.
std::string FormatValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  return StrCat(v);
}

// "2023-11-14T22:13:20Z (12s ago)", or "never".
std::string FormatWhen(int64_t ms, int64_t now_ms) {
  if (ms <= 0) return "never";
  return StrCat(FormatRfc3339(ms), " (", FormatAgo(ms, now_ms), ")");
}

Json LabelsJson(const google::protobuf::RepeatedPtrField<vigie::v1::Label>& labels) {
  Json out = Json::object();
  for (const auto& l : labels) out[l.name()] = l.value();
  return out;
}

const std::string& AgentVersion(const vigie::v1::Host& h) {
  return h.agent_version().empty() ? h.inventory().agent_version() : h.agent_version();
}

void SortByName(std::vector<vigie::v1::Host>& hosts) {
  std::sort(hosts.begin(), hosts.end(),
            [](const vigie::v1::Host& a, const vigie::v1::Host& b) { return a.name() < b.name(); });
}

bool IsLoopback(std::string_view address) {
  return address.starts_with("127.") || address == "::1";
}

// The host's non-loopback IP addresses (prefix length dropped) and MACs.
struct Addresses {
  std::vector<std::string> ips;
  std::vector<std::string> macs;
};

Addresses AddressesOf(const vigie::v1::Inventory& inv) {
  Addresses out;
  for (const auto& itf : inv.interfaces()) {
    for (const std::string& cidr : itf.addresses()) {
      std::string ip = cidr.substr(0, cidr.find('/'));
      if (!IsLoopback(ip)) out.ips.push_back(std::move(ip));
    }
    if (!itf.mac().empty() && itf.mac() != "00:00:00:00:00:00") out.macs.push_back(itf.mac());
  }
  return out;
}

std::string Join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) StrAppend(out, i == 0 ? "" : sep, parts[i]);
  return out;
}

std::string RenderKeyValues(const KeyValues& kvs, OutputFormat format) {
  if (format == OutputFormat::kCsv) {
    Table t{{"key", "value"}, {}};
    for (const auto& [k, v] : kvs) t.rows.push_back({k, v});
    return RenderCsv(t);
  }
  size_t width = 0;
  for (const auto& kv : kvs) width = std::max(width, DisplayWidth(kv.first) + 1);
  std::string out;
  for (const auto& [k, v] : kvs) {
    std::string key = k + ":";
    if (!v.empty()) key.append(width - DisplayWidth(key) + 1, ' ');
    StrAppend(out, key, v, "\n");
  }
  return out;
}

// The whole series name, without the __name__ label: node_load1{host="a"}.
std::string SeriesName(const vigie::v1::SeriesData& s) {
  std::string metric;
  Labels labels;
  for (const auto& l : s.labels()) {
    if (l.name() == "__name__") {
      metric = l.value();
    } else {
      labels.push_back({l.name(), l.value()});
    }
  }
  return FormatSeries(metric, labels);
}

std::string LabelOr(const google::protobuf::RepeatedPtrField<vigie::v1::Label>& labels,
                    std::string_view name, std::string_view fallback) {
  for (const auto& l : labels) {
    if (l.name() == name && !l.value().empty()) return l.value();
  }
  return std::string(fallback);
}

int StateRank(std::string_view state) {
  if (state == "firing") return 0;
  if (state == "pending") return 1;
  if (state == "resolved") return 2;
  return 3;
}

// When the alert entered its current state.
int64_t SinceMs(const vigie::v1::Alert& a) {
  if (a.state() == "firing") return a.fired_at_ms();
  if (a.state() == "resolved") return a.resolved_at_ms();
  return a.active_at_ms();
}

// "silence:0123abcd" (`full`: the whole id), "maintenance:NAME", or "-".
std::string MutedCell(const vigie::v1::Alert& a, bool full) {
  if (a.muted_by_kind().empty()) return "-";
  const bool shorten = !full && a.muted_by_kind() == "silence" && a.muted_by_id().size() > 8;
  return StrCat(a.muted_by_kind(), ":", shorten ? a.muted_by_id().substr(0, 8) : a.muted_by_id());
}

std::string Summary(const vigie::v1::Alert& a) {
  auto it = a.annotations().find("summary");
  return it == a.annotations().end() ? "" : it->second;
}

// A time as two JSON keys: `key` (RFC 3339, "" for never) and `key`_ms.
void PutTime(Json& out, const std::string& key, int64_t ms) {
  out[key] = FormatRfc3339(ms);
  out[key + "_ms"] = ms;
}

std::string OrDash(const std::string& s) { return s.empty() ? "-" : s; }

// The span in whole seconds, or "" when it has not happened (CSV).
std::string SpanSeconds(int64_t from_ms, int64_t to_ms) {
  if (from_ms <= 0 || to_ms <= 0) return "";
  return StrCat(std::max<int64_t>(0, (to_ms - from_ms) / 1000));
}

Json IncidentJson(const vigie::v1::Incident& i) {
  Json j = {{"id", i.id()},
            {"group_key", i.group_key()},
            {"title", i.title()},
            {"source", i.source()},
            {"reported_by", i.reported_by()},
            {"service", i.service()},
            {"severity", i.severity()},
            {"host", i.host()},
            {"rule", i.rule()},
            {"labels", LabelsJson(i.labels())},
            {"state", i.state()}};
  PutTime(j, "opened", i.opened_ms());
  PutTime(j, "acked", i.acked_ms());
  j["acked_by"] = i.acked_by();
  PutTime(j, "resolved", i.resolved_ms());
  j["resolved_by"] = i.resolved_by();
  j["assignee"] = i.assignee();
  j["cause"] = i.cause();
  j["owner"] = i.owner();
  j["policy"] = i.policy();
  j["step"] = i.step();
  j["round"] = i.round();
  PutTime(j, "next_step", i.next_step_ms());
  return j;
}

// "2023-11-14 22:16:32 (12m ago)", or "-".
std::string LocalWhen(int64_t ms, int64_t now_ms) {
  if (ms <= 0) return "-";
  return StrCat(FormatLocalTime(ms), " (", FormatRelative(ms, now_ms), ")");
}

// "2023-11-14 22:16:32 by alice, after 3m12s", or "-".
std::string DoneBy(int64_t ms, const std::string& by, int64_t opened_ms) {
  if (ms <= 0) return "-";
  return StrCat(FormatLocalTime(ms), by.empty() ? "" : " by ", by, ", after ",
                FormatSpan(opened_ms, ms));
}

}  // namespace

std::string RenderTable(const Table& table) {
  std::vector<std::string> header;
  std::vector<size_t> widths;
  for (const std::string& c : table.columns) {
    header.push_back(HeaderOf(c));
    widths.push_back(DisplayWidth(header.back()));
  }
  for (const auto& row : table.rows) {
    for (size_t i = 0; i < row.size() && i < widths.size(); ++i) {
      widths[i] = std::max(widths[i], DisplayWidth(row[i]));
    }
  }
  std::string out;
  auto append_row = [&](const std::vector<std::string>& row) {
    std::string line;
    for (size_t i = 0; i < row.size() && i < widths.size(); ++i) {
      if (i > 0) line.append(2, ' ');
      line += row[i];
      if (i + 1 < row.size()) line.append(widths[i] - DisplayWidth(row[i]), ' ');
    }
    line.erase(line.find_last_not_of(' ') + 1);
    StrAppend(out, line, "\n");
  };
  append_row(header);
  for (const auto& row : table.rows) append_row(row);
  return out;
}

std::string CsvField(std::string_view field) {
  if (field.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(field);
  std::string out = "\"";
  for (char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::string RenderCsv(const Table& table) {
  std::string out;
  auto append_row = [&](const std::vector<std::string>& row) {
    for (size_t i = 0; i < row.size(); ++i) StrAppend(out, i == 0 ? "" : ",", CsvField(row[i]));
    out += kCsvLineEnd;
  };
  append_row(table.columns);
  for (const auto& row : table.rows) append_row(row);
  return out;
}

std::string FormatAgo(int64_t then_ms, int64_t now_ms) {
  if (then_ms <= 0) return "never";
  const int64_t s = (now_ms - then_ms) / 1000;
  if (s < 1) return "just now";
  if (s < 60) return StrCat(s, "s ago");
  if (s < 3600) return StrCat(s / 60, "m ago");
  if (s < 86400) return StrCat(s / 3600, "h ago");
  return StrCat(s / 86400, "d ago");
}

std::string FormatAge(int64_t then_ms, int64_t now_ms) {
  if (then_ms <= 0) return "-";
  const int64_t s = (now_ms - then_ms) / 1000;
  if (s < 1) return "0s";
  if (s < 60) return StrCat(s, "s");
  if (s < 3600) return StrCat(s / 60, "m");
  if (s < 86400) return StrCat(s / 3600, "h");
  return StrCat(s / 86400, "d");
}

std::string FormatRelative(int64_t ms, int64_t now_ms) {
  if (ms <= 0) return "never";
  if (ms > now_ms) {
    const std::string age = FormatAge(now_ms, ms);
    return age == "0s" ? "now" : StrCat("in ", age);
  }
  const std::string age = FormatAge(ms, now_ms);
  return age == "0s" ? "now" : StrCat(age, " ago");
}

std::string FormatRfc3339(int64_t ms) {
  if (ms == 0) return "";
  using namespace std::chrono;
  const sys_time<milliseconds> t{milliseconds(ms)};
  const sys_days day = floor<days>(t);
  const year_month_day ymd{day};
  const hh_mm_ss<seconds> hms{floor<seconds>(t) - day};
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                     hms.hours().count(), hms.minutes().count(), hms.seconds().count());
}

std::string FormatLocalTime(int64_t ms) {
  if (ms == 0) return "";
  const std::time_t t = static_cast<std::time_t>(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
  std::tm tm{};
  if (localtime_r(&t, &tm) == nullptr) return FormatRfc3339(ms);
  return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02}", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

std::string FormatSpan(int64_t from_ms, int64_t to_ms) {
  if (from_ms <= 0 || to_ms <= 0) return "-";
  const int64_t seconds = std::max<int64_t>(0, (to_ms - from_ms) / 1000);
  return FormatDuration(std::chrono::seconds(seconds));
}

std::string FormatLabels(const google::protobuf::RepeatedPtrField<vigie::v1::Label>& labels) {
  std::string out;
  for (const auto& l : labels) StrAppend(out, out.empty() ? "" : ",", l.name(), "=", l.value());
  return out;
}

std::string FormatGiB(uint64_t bytes) {
  return fmt::format("{:.1f} GiB", static_cast<double>(bytes) / (1024.0 * 1024.0 * 1024.0));
}

std::string RenderHosts(std::vector<vigie::v1::Host> hosts, OutputFormat format, int64_t now_ms) {
  SortByName(hosts);
  if (format == OutputFormat::kJson) {
    Json out = Json::array();
    for (const auto& h : hosts) {
      out.push_back({{"host", h.name()},
                     {"status", UpDown(h.up())},
                     {"connected", h.connected()},
                     {"last_seen", FormatRfc3339(h.last_seen_ms())},
                     {"last_seen_ms", h.last_seen_ms()},
                     {"os", h.inventory().os_name()},
                     {"agent_version", AgentVersion(h)},
                     {"labels", LabelsJson(h.labels())}});
    }
    return Dump(out);
  }
  const bool csv = format == OutputFormat::kCsv;
  Table t{{"host", "status", "connected", "last_seen", "os", "agent", "labels"}, {}};
  for (const auto& h : hosts) {
    t.rows.push_back({h.name(), UpDown(h.up()), YesNo(h.connected()),
                      csv ? FormatRfc3339(h.last_seen_ms()) : FormatAgo(h.last_seen_ms(), now_ms),
                      h.inventory().os_name(), AgentVersion(h), FormatLabels(h.labels())});
  }
  return csv ? RenderCsv(t) : RenderTable(t);
}

std::string RenderHostDetail(const vigie::v1::Host& host, OutputFormat format, int64_t now_ms) {
  if (format == OutputFormat::kJson) {
    std::string json;
    google::protobuf::util::JsonPrintOptions options;
    options.add_whitespace = true;
    options.preserve_proto_field_names = true;
    // Cannot fail for a message without Any fields.
    (void)google::protobuf::util::MessageToJsonString(host, &json, options);
    return json;
  }
  const vigie::v1::Inventory& inv = host.inventory();
  KeyValues kvs = {
      {"name", host.name()},
      {"status", UpDown(host.up())},
      {"connected", YesNo(host.connected())},
      {"first seen", FormatWhen(host.first_seen_ms(), now_ms)},
      {"last seen", FormatWhen(host.last_seen_ms(), now_ms)},
      {"interval", FormatDuration(std::chrono::milliseconds(host.interval_ms()))},
      {"last applied seq", StrCat(host.last_applied_seq())},
      {"series count", StrCat(host.series_count())},
      {"labels", FormatLabels(host.labels())},
      {"agent version", AgentVersion(host)},
      {"hostname", inv.hostname()},
      {"fqdn", inv.fqdn()},
      {"os", inv.os_name()},
      {"kernel", inv.kernel()},
      {"arch", inv.arch()},
      {"cpu", StrCat(inv.cpu_model(), " x ", inv.cpu_count())},
      {"memory", FormatGiB(inv.memory_bytes())},
      {"virtualization", inv.virtualization()},
      {"boot time", FormatWhen(inv.boot_time_ms(), now_ms)},
      {"machine id", inv.machine_id()},
  };
  for (const auto& itf : inv.interfaces()) {
    std::vector<std::string> parts = {itf.mac().empty() ? "-" : itf.mac(), UpDown(itf.up())};
    parts.insert(parts.end(), itf.addresses().begin(), itf.addresses().end());
    kvs.emplace_back(StrCat("interface ", itf.name()), Join(parts, " "));
  }
  return RenderKeyValues(kvs, format);
}

std::string RenderInventory(std::vector<vigie::v1::Host> hosts, OutputFormat format) {
  SortByName(hosts);
  if (format == OutputFormat::kJson) {
    Json out = Json::array();
    for (const auto& h : hosts) {
      const vigie::v1::Inventory& inv = h.inventory();
      Addresses addrs = AddressesOf(inv);
      out.push_back({{"host", h.name()},
                     {"fqdn", inv.fqdn()},
                     {"os", inv.os_name()},
                     {"kernel", inv.kernel()},
                     {"arch", inv.arch()},
                     {"cpu_model", inv.cpu_model()},
                     {"cpus", inv.cpu_count()},
                     {"memory_bytes", inv.memory_bytes()},
                     {"virtualization", inv.virtualization()},
                     {"ips", addrs.ips},
                     {"macs", addrs.macs},
                     {"agent_version", AgentVersion(h)}});
    }
    return Dump(out);
  }
  const bool csv = format == OutputFormat::kCsv;
  Table t{{"host", "fqdn", "os", "kernel", "arch", "cpu_model", "cpus",
           csv ? "memory_bytes" : "memory", "virtualization", "ips", "macs", "agent_version"},
          {}};
  for (const auto& h : hosts) {
    const vigie::v1::Inventory& inv = h.inventory();
    Addresses addrs = AddressesOf(inv);
    t.rows.push_back(
        {h.name(), inv.fqdn(), inv.os_name(), inv.kernel(), inv.arch(), inv.cpu_model(),
         StrCat(inv.cpu_count()), csv ? StrCat(inv.memory_bytes()) : FormatGiB(inv.memory_bytes()),
         inv.virtualization(), Join(addrs.ips, " "), Join(addrs.macs, " "), AgentVersion(h)});
  }
  return csv ? RenderCsv(t) : RenderTable(t);
}

std::string RenderSeries(const std::vector<vigie::v1::SeriesData>& series, OutputFormat format) {
  if (format == OutputFormat::kJson) {
    Json out = Json::array();
    for (const auto& s : series) {
      Json points = Json::array();
      for (const auto& p : s.points()) points.push_back({p.timestamp_ms(), p.value()});
      out.push_back({{"labels", LabelsJson(s.labels())}, {"points", std::move(points)}});
    }
    return Dump(out);
  }
  if (format == OutputFormat::kCsv) {
    Table t{{"series", "timestamp_ms", "value"}, {}};
    for (const auto& s : series) {
      const std::string name = SeriesName(s);
      for (const auto& p : s.points()) {
        t.rows.push_back({name, StrCat(p.timestamp_ms()), FormatValue(p.value())});
      }
    }
    return RenderCsv(t);
  }
  std::string out;
  for (size_t i = 0; i < series.size(); ++i) {
    StrAppend(out, i == 0 ? "" : "\n", SeriesName(series[i]), "\n");
    for (const auto& p : series[i].points()) {
      StrAppend(out, p.timestamp_ms(), " ", FormatValue(p.value()), "\n");
    }
  }
  return out;
}

std::string RenderAlerts(std::vector<vigie::v1::Alert> alerts, OutputFormat format,
                         int64_t now_ms) {
  std::stable_sort(alerts.begin(), alerts.end(),
                   [](const vigie::v1::Alert& a, const vigie::v1::Alert& b) {
                     const int ra = StateRank(a.state()), rb = StateRank(b.state());
                     if (ra != rb) return ra < rb;
                     if (a.name() != b.name()) return a.name() < b.name();
                     return FormatLabels(a.labels()) < FormatLabels(b.labels());
                   });
  if (format == OutputFormat::kJson) {
    Json out = Json::array();
    for (const auto& a : alerts) {
      Json j = {{"name", a.name()},
                {"group", a.group()},
                {"state", a.state()},
                {"flapping", a.flapping()},
                {"labels", LabelsJson(a.labels())},
                {"annotations", Json::object()},
                {"value", a.value()}};
      // Sorted: protobuf maps have no stable order.
      std::vector<std::pair<std::string, std::string>> annotations(a.annotations().begin(),
                                                                   a.annotations().end());
      std::sort(annotations.begin(), annotations.end());
      for (const auto& [k, v] : annotations) j["annotations"][k] = v;
      PutTime(j, "active_at", a.active_at_ms());
      PutTime(j, "fired_at", a.fired_at_ms());
      PutTime(j, "resolved_at", a.resolved_at_ms());
      j["fingerprint"] = a.fingerprint();
      if (a.muted_by_kind().empty()) {
        j["muted"] = nullptr;
      } else {
        j["muted"] = {
            {"kind", a.muted_by_kind()}, {"id", a.muted_by_id()}, {"detail", a.muted_detail()}};
      }
      out.push_back(std::move(j));
    }
    return Dump(out);
  }
  const bool csv = format == OutputFormat::kCsv;
  Table t;
  if (csv) {
    t.columns = {"state", "flapping", "alert", "host",   "severity",
                 "since", "value",    "muted", "summary"};
  } else {
    t.columns = {"state", "alert", "host", "severity", "since", "value", "muted", "summary"};
  }
  for (const auto& a : alerts) {
    const int64_t since = SinceMs(a);
    std::vector<std::string> row;
    if (csv) {
      row = {a.state(), a.flapping() ? "true" : "false"};
    } else {
      row = {a.flapping() ? StrCat(a.state(), " (flapping)") : a.state()};
    }
    for (std::string cell :
         {a.name(), LabelOr(a.labels(), "host", "-"), LabelOr(a.labels(), "severity", "-"),
          csv ? FormatRfc3339(since) : FormatAge(since, now_ms), FormatValue(a.value()),
          MutedCell(a, csv), Summary(a)}) {
      row.push_back(std::move(cell));
    }
    t.rows.push_back(std::move(row));
  }
  return csv ? RenderCsv(t) : RenderTable(t);
}

std::string RenderSilences(const std::vector<vigie::v1::Silence>& silences, OutputFormat format,
                           int64_t now_ms) {
  if (format == OutputFormat::kJson) {
    Json out = Json::array();
    for (const auto& s : silences) {
      Json j = {{"id", s.id()},
                {"state", s.state()},
                {"matchers", std::vector<std::string>(s.matchers().begin(), s.matchers().end())}};
      PutTime(j, "starts_at", s.starts_at_ms());
      PutTime(j, "ends_at", s.ends_at_ms());
      j["created_by"] = s.created_by();
      j["comment"] = s.comment();
      PutTime(j, "created_at", s.created_at_ms());
      PutTime(j, "updated_at", s.updated_at_ms());
      out.push_back(std::move(j));
    }
    return Dump(out);
  }
  const bool csv = format == OutputFormat::kCsv;
  Table t{{"id", "state", "matchers", "starts", "ends", "created_by", "comment"}, {}};
  for (const auto& s : silences) {
    auto when = [&](int64_t ms) { return csv ? FormatRfc3339(ms) : FormatRelative(ms, now_ms); };
    t.rows.push_back({s.id(), s.state(),
                      Join(std::vector<std::string>(s.matchers().begin(), s.matchers().end()), " "),
                      when(s.starts_at_ms()), when(s.ends_at_ms()), s.created_by(), s.comment()});
  }
  return csv ? RenderCsv(t) : RenderTable(t);
}

std::string RenderSilenceId(const std::string& id, OutputFormat format) {
  if (format == OutputFormat::kJson) return Dump(Json{{"id", id}});
  return id + "\n";
}

std::string RenderReload(const vigie::v1::ReloadResponse& reload, OutputFormat format) {
  if (format == OutputFormat::kJson) {
    return Dump(Json{{"config_file", reload.config_file()},
                     {"rules", reload.rules()},
                     {"receivers", reload.receivers()}});
  }
  if (format == OutputFormat::kCsv) {
    return RenderCsv(
        Table{{"config_file", "rules", "receivers"},
              {{reload.config_file(), StrCat(reload.rules()), StrCat(reload.receivers())}}});
  }
  const std::string what =
      reload.config_file().empty() ? std::string("the embedded defaults") : reload.config_file();
  return StrCat("reloaded ", what, ": ", reload.rules(), " alerting rule",
                reload.rules() == 1 ? "" : "s", ", ", reload.receivers(), " receiver",
                reload.receivers() == 1 ? "" : "s", "\n");
}

std::string RenderAudit(const std::vector<vigie::v1::AuditEntry>& entries, OutputFormat format,
                        int64_t now_ms) {
  if (format == OutputFormat::kJson) {
    Json out = Json::array();
    for (const auto& e : entries) {
      Json j = Json::object();
      PutTime(j, "at", e.at_ms());
      j["actor"] = e.actor();
      j["action"] = e.action();
      j["object"] = e.object();
      j["detail"] = e.detail();
      out.push_back(std::move(j));
    }
    return Dump(out);
  }
  const bool csv = format == OutputFormat::kCsv;
  Table t{{"at", "actor", "action", "object", "detail"}, {}};
  for (const auto& e : entries) {
    t.rows.push_back({csv ? FormatRfc3339(e.at_ms()) : FormatAgo(e.at_ms(), now_ms), e.actor(),
                      e.action(), e.object(), e.detail()});
  }
  return csv ? RenderCsv(t) : RenderTable(t);
}

std::string RenderIncidents(const std::vector<vigie::v1::Incident>& incidents,
                            OutputFormat format) {
  if (format == OutputFormat::kJson) {
    Json out = Json::array();
    for (const auto& i : incidents) out.push_back(IncidentJson(i));
    return Dump(out);
  }
  if (format == OutputFormat::kCsv) {
    Table t{{"id", "state", "severity", "title", "host", "opened", "acked_by", "tta_s", "ttr_s"},
            {}};
    for (const auto& i : incidents) {
      t.rows.push_back({StrCat(i.id()), i.state(), i.severity(), i.title(), i.host(),
                        FormatRfc3339(i.opened_ms()), i.acked_by(),
                        SpanSeconds(i.opened_ms(), i.acked_ms()),
                        SpanSeconds(i.opened_ms(), i.resolved_ms())});
    }
    return RenderCsv(t);
  }
  Table t{{"id", "state", "severity", "title", "host", "opened", "ack_by", "tta", "ttr"}, {}};
  for (const auto& i : incidents) {
    t.rows.push_back({StrCat(i.id()), i.state(), OrDash(i.severity()), i.title(), OrDash(i.host()),
                      OrDash(FormatLocalTime(i.opened_ms())), OrDash(i.acked_by()),
                      FormatSpan(i.opened_ms(), i.acked_ms()),
                      FormatSpan(i.opened_ms(), i.resolved_ms())});
  }
  return RenderTable(t);
}

std::string RenderIncidentDetail(const vigie::v1::IncidentDetail& detail, OutputFormat format,
                                 int64_t now_ms) {
  const vigie::v1::Incident& i = detail.incident();
  if (format == OutputFormat::kJson) {
    Json timeline = Json::array();
    for (const auto& e : detail.timeline()) {
      Json j = Json::object();
      PutTime(j, "at", e.at_ms());
      j["kind"] = e.kind();
      j["actor"] = e.actor();
      j["detail"] = e.detail();
      timeline.push_back(std::move(j));
    }
    return Dump(Json{{"incident", IncidentJson(i)}, {"timeline", std::move(timeline)}});
  }
  const KeyValues kvs = {
      {"id", StrCat(i.id())},
      {"title", OrDash(i.title())},
      {"state", OrDash(i.state())},
      {"severity", OrDash(i.severity())},
      {"service", OrDash(i.service())},
      {"host", OrDash(i.host())},
      {"rule", OrDash(i.rule())},
      {"labels", OrDash(FormatLabels(i.labels()))},
      {"source", OrDash(i.source())},
      {"reported by", OrDash(i.reported_by())},
      {"group key", OrDash(i.group_key())},
      {"opened", LocalWhen(i.opened_ms(), now_ms)},
      {"acknowledged", DoneBy(i.acked_ms(), i.acked_by(), i.opened_ms())},
      {"resolved", DoneBy(i.resolved_ms(), i.resolved_by(), i.opened_ms())},
      {"assignee", OrDash(i.assignee())},
      {"cause", OrDash(i.cause())},
      {"owner", OrDash(i.owner())},
      {"policy", OrDash(i.policy())},
      {"step", StrCat(i.step())},
      {"round", StrCat(i.round())},
      {"next step", LocalWhen(i.next_step_ms(), now_ms)},
  };
  Table t{{"time", "kind", "actor", "detail"}, {}};
  for (const auto& e : detail.timeline()) {
    t.rows.push_back({OrDash(FormatLocalTime(e.at_ms())), e.kind(), e.actor(), e.detail()});
  }
  return StrCat(RenderKeyValues(kvs, OutputFormat::kTable), "\n", RenderTable(t));
}

std::string RenderIncidentAction(const vigie::v1::IncidentActionRequest& request,
                                 const vigie::v1::Incident& incident, OutputFormat format) {
  if (format == OutputFormat::kJson) return Dump(IncidentJson(incident));
  using V1 = vigie::v1::IncidentActionRequest;
  std::string done;
  switch (request.action()) {
    case V1::ACK:
      done = "acknowledged";
      break;
    case V1::UNACK:
      done = "unacknowledged";
      break;
    case V1::RESOLVE:
      done = "resolved";
      break;
    case V1::REASSIGN:
      done = StrCat("reassigned to ", request.user());
      break;
    case V1::COMMENT:
      done = "commented";
      break;
    default:
      done = "updated";
      break;
  }
  return StrCat("incident ", request.id(), " ", done, "\n");
}

std::string RenderIncidentOpened(const vigie::v1::Incident& incident, OutputFormat format) {
  if (format == OutputFormat::kJson) return Dump(IncidentJson(incident));
  return StrCat("incident ", incident.id(), " opened\n");
}

std::string RenderOnCall(const std::vector<vigie::v1::OnCall>& on_call, OutputFormat format) {
  if (format == OutputFormat::kJson) {
    Json out = Json::array();
    for (const auto& o : on_call) {
      Json j = {{"schedule", o.schedule()}};
      j["user"] = o.user().empty() ? Json(nullptr) : Json(o.user());
      PutTime(j, "until", o.until_ms());
      out.push_back(std::move(j));
    }
    return Dump(out);
  }
  const bool csv = format == OutputFormat::kCsv;
  Table t{{"schedule", "on_call", "until"}, {}};
  for (const auto& o : on_call) {
    if (csv) {
      t.rows.push_back(
          {o.schedule(), o.user(), o.user().empty() ? "" : FormatRfc3339(o.until_ms())});
    } else {
      t.rows.push_back({o.schedule(), OrDash(o.user()),
                        o.user().empty() ? "-" : OrDash(FormatLocalTime(o.until_ms()))});
    }
  }
  return csv ? RenderCsv(t) : RenderTable(t);
}

std::string RenderShifts(const std::vector<vigie::v1::Shift>& shifts, OutputFormat format) {
  if (format == OutputFormat::kJson) {
    Json out = Json::array();
    for (const auto& s : shifts) {
      Json j = {{"user", s.user()}};
      PutTime(j, "start", s.start_ms());
      PutTime(j, "end", s.end_ms());
      j["duration_s"] = std::max<int64_t>(0, (s.end_ms() - s.start_ms()) / 1000);
      j["source"] = s.source();
      out.push_back(std::move(j));
    }
    return Dump(out);
  }
  if (format == OutputFormat::kCsv) {
    Table t{{"user", "from", "to", "duration_s", "source"}, {}};
    for (const auto& s : shifts) {
      t.rows.push_back({s.user(), FormatRfc3339(s.start_ms()), FormatRfc3339(s.end_ms()),
                        StrCat(std::max<int64_t>(0, (s.end_ms() - s.start_ms()) / 1000)),
                        s.source()});
    }
    return RenderCsv(t);
  }
  Table t{{"user", "from", "to", "duration", "source"}, {}};
  for (const auto& s : shifts) {
    t.rows.push_back(
        {s.user(), OrDash(FormatLocalTime(s.start_ms())), OrDash(FormatLocalTime(s.end_ms())),
         FormatDuration(
             std::chrono::seconds(std::max<int64_t>(0, (s.end_ms() - s.start_ms()) / 1000))),
         OrDash(s.source())});
  }
  return RenderTable(t);
}

std::string RenderOverrides(const std::vector<vigie::v1::Override>& overrides,
                            OutputFormat format) {
  if (format == OutputFormat::kJson) {
    Json out = Json::array();
    for (const auto& o : overrides) {
      Json j = {{"id", o.id()}, {"schedule", o.schedule()}, {"user", o.user()}};
      PutTime(j, "start", o.start_ms());
      PutTime(j, "end", o.end_ms());
      j["created_by"] = o.created_by();
      j["reason"] = o.reason();
      PutTime(j, "created_at", o.created_at_ms());
      out.push_back(std::move(j));
    }
    return Dump(out);
  }
  if (format == OutputFormat::kCsv) {
    Table t{{"id", "schedule", "user", "from", "to", "reason", "created_by", "created_at"}, {}};
    for (const auto& o : overrides) {
      t.rows.push_back({o.id(), o.schedule(), o.user(), FormatRfc3339(o.start_ms()),
                        FormatRfc3339(o.end_ms()), o.reason(), o.created_by(),
                        FormatRfc3339(o.created_at_ms())});
    }
    return RenderCsv(t);
  }
  Table t{{"id", "schedule", "user", "from", "to", "reason", "created_by"}, {}};
  for (const auto& o : overrides) {
    t.rows.push_back({o.id(), o.schedule(), o.user(), OrDash(FormatLocalTime(o.start_ms())),
                      OrDash(FormatLocalTime(o.end_ms())), OrDash(o.reason()),
                      OrDash(o.created_by())});
  }
  return RenderTable(t);
}

std::string RenderOverrideId(const std::string& id, OutputFormat format) {
  return RenderSilenceId(id, format);
}

std::string FormatError(const absl::Status& status, std::string_view server) {
  if (absl::IsUnavailable(status) || absl::IsDeadlineExceeded(status)) {
    return StrCat("vigiectl: cannot reach vigied at ", server, ": ", StatusMessage(status));
  }
  return StrCat("vigiectl: ", StatusMessage(status));
}

}  // namespace vigie::cli
