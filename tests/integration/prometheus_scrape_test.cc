// A real Prometheus scrapes vigied's /metrics, and promtool accepts the
// exposition.
#include <unistd.h>

#include <algorithm>
#include <string>
#include <vector>

#include "common/strings.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/integration/harness.h"

namespace vigie::itest {
namespace {

using nlohmann::json;

constexpr const char* kPrometheus = "/usr/bin/prometheus";
constexpr const char* kPromtool = "/usr/bin/promtool";

class PrometheusScrapeTest : public VigiedFixture {
 protected:
  void StartVigiedAndAgents() {
    ASSERT_NO_FATAL_FAILURE(StartVigied());
    for (const char* host : {"alpha", "beta"}) {
      StartAgent({.host = host, .labels = {{"env", "prod"}, {"role", "web"}}});
    }
    ASSERT_TRUE(WaitFor(
        [&] {
          auto m = Metrics();
          return FindValue(m, "vigie_host_up", {{"host", "alpha"}}) == 1.0 &&
                 FindValue(m, "vigie_host_up", {{"host", "beta"}}) == 1.0 &&
                 !FindSamples(m, "node_load1", {{"host", "beta"}}).empty();
        },
        milliseconds(20'000)))
        << "agents never reported";
  }

  // GET on Prometheus' HTTP API; null unless it answers 200 with JSON.
  json PromApi(const std::string& path_and_query) const {
    HttpResponse r = HttpGet(StrCat("http://127.0.0.1:", prom_port_, path_and_query));
    return r.status == 200 ? json::parse(r.body, nullptr, false) : json();
  }

  int prom_port_ = FreePort();
};

TEST_F(PrometheusScrapeTest, PrometheusScrapesEveryHost) {
  ASSERT_EQ(access(kPrometheus, X_OK), 0)
      << kPrometheus << " is missing: apt-get install prometheus";
  ASSERT_NO_FATAL_FAILURE(StartVigiedAndAgents());
  const std::string config =
      tmp_.WriteFile("prometheus.yml", StrCat("global:\n"
                                              "  scrape_interval: 1s\n"
                                              "  evaluation_interval: 1s\n"
                                              "scrape_configs:\n"
                                              "  - job_name: vigied\n"
                                              "    static_configs:\n"
                                              "      - targets: ['127.0.0.1:",
                                              http_port_, "']\n"));
  Process prometheus({
      .name = "prometheus",
      .argv = {kPrometheus, StrCat("--config.file=", config),
               StrCat("--storage.tsdb.path=", tmp_.Path("tsdb")),
               StrCat("--web.listen-address=127.0.0.1:", prom_port_)},
      .log_dir = tmp_.path(),
      .cwd = tmp_.path(),
  });

  json targets;
  ASSERT_TRUE(WaitFor(
      [&] {
        targets = PromApi("/api/v1/targets");
        if (!targets.is_object()) return false;
        const json& active = targets["data"]["activeTargets"];
        return active.is_array() && active.size() == 1 && active[0].value("health", "") == "up";
      },
      milliseconds(30'000), milliseconds(250)))
      << "Prometheus never scraped vigied successfully; last /api/v1/targets:\n"
      << targets.dump(2);

  json result;
  ASSERT_TRUE(WaitFor(
      [&] {
        json q = PromApi("/api/v1/query?query=vigie_host_up");
        if (!q.is_object() || q.value("status", "") != "success") return false;
        result = q["data"]["result"];
        return result.is_array() && result.size() == 2;
      },
      milliseconds(20'000), milliseconds(250)))
      << "vigie_host_up query did not return one result per host; last:\n"
      << result.dump(2);
  std::vector<std::string> hosts;
  for (const auto& r : result) {
    hosts.push_back(r["metric"].value("host", ""));
    EXPECT_EQ(r["metric"].value("job", ""), "vigied");
    EXPECT_EQ(r["value"][1], "1") << r.dump();
  }
  std::sort(hosts.begin(), hosts.end());
  EXPECT_EQ(hosts, (std::vector<std::string>{"alpha", "beta"}));
}

TEST_F(PrometheusScrapeTest, PromtoolAcceptsExposition) {
  ASSERT_EQ(access(kPromtool, X_OK), 0) << kPromtool << " is missing: apt-get install prometheus";
  ASSERT_NO_FATAL_FAILURE(StartVigiedAndAgents());
  HttpResponse metrics = HttpGet(HttpUrl("/metrics"));
  ASSERT_EQ(metrics.status, 200);
  CommandResult lint =
      RunCommand({kPromtool, "check", "metrics"}, milliseconds(20'000), metrics.body);
  EXPECT_EQ(lint.exit_code, 0) << "promtool check metrics rejects vigied's /metrics:\n"
                               << lint.out << lint.err;
}

}  // namespace
}  // namespace vigie::itest
