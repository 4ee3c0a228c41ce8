#include "cli/client.h"

#include <sys/wait.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>

#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "vigie/v1/admin.grpc.pb.h"

namespace vigie::cli {
namespace {

// Canned answers: two hosts, NOT_FOUND for every GetHost, and a QuerySeries
// that echoes the request's matchers as the labels of one series. Alerting:
// one alert per ListAlerts with the requested state, AddSilence returns a
// fixed id, ListSilences echoes the state, ExpireSilence NOT_FOUND for "zz",
// Reload fails with a file:line error when `reload_fails`, ListAudit echoes
// the limit. Mutations remember their request.
class FakeAdmin final : public vigie::v1::Admin::Service {
 public:
  grpc::Status ListAlerts(grpc::ServerContext*, const vigie::v1::ListAlertsRequest* request,
                          vigie::v1::ListAlertsResponse* response) override {
    auto* a = response->add_alerts();
    a->set_name("DiskFull");
    a->set_state(request->state().empty() ? "firing" : request->state());
    a->set_fingerprint("0dac1e79653571b3");
    return grpc::Status::OK;
  }
  grpc::Status AddSilence(grpc::ServerContext*, const vigie::v1::AddSilenceRequest* request,
                          vigie::v1::AddSilenceResponse* response) override {
    std::lock_guard lock(mu);
    added = *request;
    response->set_id("0123456789abcdef0123456789abcdef");
    return grpc::Status::OK;
  }
  grpc::Status ListSilences(grpc::ServerContext*, const vigie::v1::ListSilencesRequest* request,
                            vigie::v1::ListSilencesResponse* response) override {
    auto* s = response->add_silences();
    s->set_id("aa");
    s->set_state(request->state().empty() ? "active" : request->state());
    s->add_matchers("host=\"db1\"");
    return grpc::Status::OK;
  }
  grpc::Status ExpireSilence(grpc::ServerContext*, const vigie::v1::ExpireSilenceRequest* request,
                             vigie::v1::ExpireSilenceResponse*) override {
    std::lock_guard lock(mu);
    expired = *request;
    if (request->id() == "zz") return {grpc::StatusCode::NOT_FOUND, "no silence with id \"zz\""};
    return grpc::Status::OK;
  }
  grpc::Status Reload(grpc::ServerContext*, const vigie::v1::ReloadRequest* request,
                      vigie::v1::ReloadResponse* response) override {
    std::lock_guard lock(mu);
    reloaded = *request;
    if (reload_fails) {
      return {grpc::StatusCode::INVALID_ARGUMENT,
              "/etc/vigie/vigied.yml:12: unknown key \"recievers\""};
    }
    response->set_config_file("/etc/vigie/vigied.yml");
    response->set_rules(42);
    response->set_receivers(3);
    return grpc::Status::OK;
  }
  grpc::Status ListAudit(grpc::ServerContext*, const vigie::v1::ListAuditRequest* request,
                         vigie::v1::ListAuditResponse* response) override {
    auto* e = response->add_entries();
    e->set_action("silence.add");
    e->set_detail("limit " + std::to_string(request->limit()));
    return grpc::Status::OK;
  }

  std::mutex mu;
  bool reload_fails = false;
  vigie::v1::AddSilenceRequest added;
  vigie::v1::ExpireSilenceRequest expired;
  vigie::v1::ReloadRequest reloaded;

  grpc::Status ListHosts(grpc::ServerContext*, const vigie::v1::ListHostsRequest*,
                         vigie::v1::ListHostsResponse* response) override {
    response->add_hosts()->set_name("a");
    response->add_hosts()->set_name("b");
    return grpc::Status::OK;
  }
  grpc::Status GetHost(grpc::ServerContext*, const vigie::v1::GetHostRequest* request,
                       vigie::v1::Host*) override {
    return {grpc::StatusCode::NOT_FOUND, "no host named \"" + request->name() + "\""};
  }
  grpc::Status QuerySeries(grpc::ServerContext*, const vigie::v1::QuerySeriesRequest* request,
                           vigie::v1::QuerySeriesResponse* response) override {
    *response->add_series()->mutable_labels() = request->matchers();
    return grpc::Status::OK;
  }
};

class AdminClientTest : public testing::Test {
 protected:
  AdminClientTest() {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(&fake_);
    server_ = builder.BuildAndStart();
  }
  ~AdminClientTest() override { server_->Shutdown(); }

  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

  FakeAdmin fake_;
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
};

TEST_F(AdminClientTest, ReturnsTheMessages) {
  AdminClient client(address(), std::chrono::seconds(10));
  auto hosts = client.ListHosts();
  ASSERT_TRUE(hosts.ok()) << hosts.status();
  ASSERT_EQ(hosts->size(), 2u);
  EXPECT_EQ((*hosts)[1].name(), "b");

  vigie::v1::QuerySeriesRequest request;
  auto* m = request.add_matchers();
  m->set_name("cpu");
  m->set_value("0");
  auto series = client.QuerySeries(request);
  ASSERT_TRUE(series.ok()) << series.status();
  ASSERT_EQ(series->size(), 1u);
  EXPECT_EQ((*series)[0].labels(0).value(), "0");
}

TEST_F(AdminClientTest, ConvertsTheStatus) {
  AdminClient client(address(), std::chrono::seconds(10));
  auto host = client.GetHost("x");
  EXPECT_EQ(host.status(), absl::NotFoundError("no host named \"x\""));
}

TEST_F(AdminClientTest, UnreachableServerIsUnavailable) {
  const std::string gone = address();
  server_->Shutdown();
  AdminClient client(gone, std::chrono::seconds(10));
  auto hosts = client.ListHosts();
  EXPECT_TRUE(absl::IsUnavailable(hosts.status())) << hosts.status();
}

TEST_F(AdminClientTest, AlertingCalls) {
  AdminClient client(address(), std::chrono::seconds(10));
  auto alerts = client.ListAlerts("pending");
  ASSERT_TRUE(alerts.ok()) << alerts.status();
  ASSERT_EQ(alerts->size(), 1u);
  EXPECT_EQ((*alerts)[0].state(), "pending");

  vigie::v1::AddSilenceRequest request;
  request.add_matchers("host=\"db1\"");
  request.set_actor("alice@laptop");
  auto id = client.AddSilence(request);
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(*id, "0123456789abcdef0123456789abcdef");
  EXPECT_EQ(fake_.added.actor(), "alice@laptop");

  auto silences = client.ListSilences("expired");
  ASSERT_TRUE(silences.ok()) << silences.status();
  ASSERT_EQ(silences->size(), 1u);
  EXPECT_EQ((*silences)[0].state(), "expired");

  EXPECT_TRUE(client.ExpireSilence("aa", "bob@ops").ok());
  EXPECT_EQ(fake_.expired.actor(), "bob@ops");
  EXPECT_EQ(client.ExpireSilence("zz", "bob@ops"),
            absl::NotFoundError("no silence with id \"zz\""));

  auto reload = client.Reload("carol@admin");
  ASSERT_TRUE(reload.ok()) << reload.status();
  EXPECT_EQ(reload->rules(), 42u);
  EXPECT_EQ(fake_.reloaded.actor(), "carol@admin");

  auto audit = client.ListAudit(7);
  ASSERT_TRUE(audit.ok()) << audit.status();
  ASSERT_EQ(audit->size(), 1u);
  EXPECT_EQ((*audit)[0].detail(), "limit 7");
}

// The vigiectl binary against the fake: output, exit codes, argument errors.
struct RunResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

RunResult RunVigiectl(const std::string& args) {
  RunResult r;
  const std::string command = std::string(VIGIE_VIGIECTL_PATH) + " " + args + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return r;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) r.output.append(buf.data(), n);
  const int status = pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

TEST_F(AdminClientTest, VigiectlAlertsAndAudit) {
  RunResult r = RunVigiectl("--server " + address() + " alerts --state pending -o json");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto json = nlohmann::json::parse(r.output);
  ASSERT_EQ(json.size(), 1u);
  EXPECT_EQ(json[0]["state"], "pending");

  r = RunVigiectl("--server " + address() + " alerts");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, testing::StartsWith("STATE   ALERT     HOST  SEVERITY  SINCE"));

  r = RunVigiectl("--server " + address() + " audit --limit 5 -o json");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(nlohmann::json::parse(r.output)[0]["detail"], "limit 5");
}

TEST_F(AdminClientTest, VigiectlSilenceAddSendsTheRequestAndPrintsTheId) {
  RunResult r = RunVigiectl("--server " + address() +
                            " silence add --match host=db1 --match 'alertname=~Disk.*' --for 2h"
                            " --comment 'disk swap' --author bob");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "0123456789abcdef0123456789abcdef\n");
  std::lock_guard lock(fake_.mu);
  ASSERT_EQ(fake_.added.matchers_size(), 2);
  EXPECT_EQ(fake_.added.matchers(0), "host=\"db1\"");
  EXPECT_EQ(fake_.added.matchers(1), "alertname=~\"Disk.*\"");
  EXPECT_EQ(fake_.added.starts_at_ms(), 0);
  EXPECT_GT(fake_.added.ends_at_ms(), 0);
  EXPECT_EQ(fake_.added.comment(), "disk swap");
  EXPECT_THAT(fake_.added.actor(), testing::StartsWith("bob@"));
}

TEST_F(AdminClientTest, VigiectlSilenceListAndExpire) {
  RunResult r = RunVigiectl("--server " + address() + " silence list --state expired");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, testing::HasSubstr("aa  expired  host=\"db1\""));

  r = RunVigiectl("--server " + address() + " silence expire aa");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "");
  r = RunVigiectl("--server " + address() + " silence expire zz");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.output, "vigiectl: no silence with id \"zz\"\n");
}

TEST_F(AdminClientTest, VigiectlReloadPrintsWhatWasLoadedOrTheErrors) {
  RunResult r = RunVigiectl("--server " + address() + " reload");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "reloaded /etc/vigie/vigied.yml: 42 alerting rules, 3 receivers\n");
  {
    std::lock_guard lock(fake_.mu);
    fake_.reload_fails = true;
  }
  r = RunVigiectl("--server " + address() + " reload");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.output, "vigiectl: /etc/vigie/vigied.yml:12: unknown key \"recievers\"\n");
}

TEST_F(AdminClientTest, VigiectlBadArgumentsExit2NamingTheArgument) {
  const std::string server = "--server " + address() + " ";
  struct Case {
    std::string args;
    std::string message;
  };
  for (const Case& c : std::vector<Case>{
           {"alerts --state inactive", "--state: inactive not in"},
           {"silence add --match db1 --for 2h --comment x", "--match: invalid matcher \"db1\""},
           {"silence add --match host=db1 --for 2hours --comment x", "--for: "},
           {"silence add --match host=db1 --for 2h", "--comment is required"},
           {"silence add --match host=db1 --comment x", "--for is required"},
           {"silence add --for 2h --comment x", "--match is required"},
           {"silence add --match host=db1 --for 2h --comment x --start tomorrow",
            "--start: invalid time \"tomorrow\""},
           {"silence list --state gone", "--state: gone not in"},
           {"silence expire", "ID is required"},
           {"audit --limit 0", "--limit: Value 0 not in range"},
       }) {
    RunResult r = RunVigiectl(server + c.args);
    EXPECT_EQ(r.exit_code, 2) << c.args << "\n" << r.output;
    EXPECT_THAT(r.output, testing::HasSubstr(c.message)) << c.args;
  }
  std::lock_guard lock(fake_.mu);
  EXPECT_EQ(fake_.added.matchers_size(), 0);  // nothing reached the server
}

}  // namespace
}  // namespace vigie::cli
