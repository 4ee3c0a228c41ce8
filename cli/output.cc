#include "cli/output.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
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

std::string FormatError(const absl::Status& status, std::string_view server) {
  if (absl::IsUnavailable(status) || absl::IsDeadlineExceeded(status)) {
    return StrCat("vigiectl: cannot reach vigied at ", server, ": ", StatusMessage(status));
  }
  return StrCat("vigiectl: ", StatusMessage(status));
}

}  // namespace vigie::cli
