// vigiectl: the administrator's CLI over vigied's Admin gRPC API. This file
// only parses the command line and dispatches; client.cc talks to vigied and
// output.cc renders.
#include <chrono>
#include <cstdio>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "cli/client.h"
#include "cli/output.h"
#include "common/clock.h"
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
  app.add_option("--output,-o", flags.output, "output format")
      ->check(CLI::IsMember({"table", "csv", "json"}))
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
  return kExitUsage;  // unreachable: require_subcommand(1)
}

}  // namespace
}  // namespace vigie::cli

int main(int argc, char** argv) { return vigie::cli::Run(argc, argv); }
