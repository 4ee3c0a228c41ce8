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
// the limit. Incidents: ListIncidents remembers its request and returns
// incident 42; GetIncident knows only 42; ActOnIncident answers
// FAILED_PRECONDITION for 13, else incident `id`. Mutations remember their
// request.
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

  grpc::Status ListIncidents(grpc::ServerContext*, const vigie::v1::ListIncidentsRequest* request,
                             vigie::v1::ListIncidentsResponse* response) override {
    std::lock_guard lock(mu);
    listed = *request;
    auto* i = response->add_incidents();
    i->set_id(42);
    i->set_state("triggered");
    i->set_title("DiskFull on db1");
    return grpc::Status::OK;
  }
  grpc::Status GetIncident(grpc::ServerContext*, const vigie::v1::GetIncidentRequest* request,
                           vigie::v1::IncidentDetail* response) override {
    if (request->id() != 42) {
      return {grpc::StatusCode::NOT_FOUND, "no incident " + std::to_string(request->id())};
    }
    response->mutable_incident()->set_id(42);
    response->mutable_incident()->set_state("triggered");
    auto* t = response->add_timeline();
    t->set_kind("triggered");
    t->set_actor("vigied");
    return grpc::Status::OK;
  }
  grpc::Status ActOnIncident(grpc::ServerContext*, const vigie::v1::IncidentActionRequest* request,
                             vigie::v1::Incident* response) override {
    std::lock_guard lock(mu);
    acted = *request;
    ++actions;
    if (request->id() == 13) {
      return {grpc::StatusCode::FAILED_PRECONDITION, "incident 13 is already acknowledged"};
    }
    response->set_id(request->id());
    response->set_assignee(request->user());
    return grpc::Status::OK;
  }

  std::mutex mu;
  bool reload_fails = false;
  vigie::v1::ListIncidentsRequest listed;
  vigie::v1::IncidentActionRequest acted;
  int actions = 0;
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

TEST_F(AdminClientTest, IncidentCalls) {
  AdminClient client(address(), std::chrono::seconds(10));
  vigie::v1::ListIncidentsRequest list;
  list.set_open_only(true);
  list.set_limit(3);
  auto incidents = client.ListIncidents(list);
  ASSERT_TRUE(incidents.ok()) << incidents.status();
  ASSERT_EQ(incidents->size(), 1u);
  EXPECT_EQ((*incidents)[0].id(), 42);
  EXPECT_TRUE(fake_.listed.open_only());
  EXPECT_EQ(fake_.listed.limit(), 3u);

  auto detail = client.GetIncident(42);
  ASSERT_TRUE(detail.ok()) << detail.status();
  EXPECT_EQ(detail->incident().id(), 42);
  ASSERT_EQ(detail->timeline_size(), 1);
  EXPECT_EQ(client.GetIncident(7).status(), absl::NotFoundError("no incident 7"));

  vigie::v1::IncidentActionRequest act;
  act.set_id(42);
  act.set_action(vigie::v1::IncidentActionRequest::REASSIGN);
  act.set_user("carol");
  act.set_actor("alice@laptop");
  auto incident = client.ActOnIncident(act);
  ASSERT_TRUE(incident.ok()) << incident.status();
  EXPECT_EQ(incident->assignee(), "carol");
  EXPECT_EQ(fake_.acted.actor(), "alice@laptop");
  act.set_id(13);
  EXPECT_EQ(client.ActOnIncident(act).status(),
            absl::FailedPreconditionError("incident 13 is already acknowledged"));
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

TEST_F(AdminClientTest, VigiectlIncidentsSendsTheQuery) {
  RunResult r = RunVigiectl("--server " + address() +
                            " incidents --open --from 2026-10-01 --to 2026-10-02T12:00:00Z"
                            " --limit 5 -o json");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto json = nlohmann::json::parse(r.output);
  ASSERT_EQ(json.size(), 1u);
  EXPECT_EQ(json[0]["id"], 42);
  {
    std::lock_guard lock(fake_.mu);
    EXPECT_TRUE(fake_.listed.open_only());
    EXPECT_EQ(fake_.listed.from_ms(), 1'790'812'800'000);  // 2026-10-01T00:00:00Z
    EXPECT_EQ(fake_.listed.to_ms(), 1'790'812'800'000 + 36 * 3'600'000);
    EXPECT_EQ(fake_.listed.limit(), 5u);
  }
  r = RunVigiectl("--server " + address() + " incidents");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, testing::StartsWith("ID  STATE      SEVERITY  TITLE"));
  std::lock_guard lock(fake_.mu);
  EXPECT_FALSE(fake_.listed.open_only());
  EXPECT_EQ(fake_.listed.from_ms(), 0);
  EXPECT_EQ(fake_.listed.to_ms(), 0);
}

TEST_F(AdminClientTest, VigiectlIncidentShow) {
  RunResult r = RunVigiectl("--server " + address() + " incident show 42 -o json");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto json = nlohmann::json::parse(r.output);
  EXPECT_EQ(json["incident"]["id"], 42);
  EXPECT_EQ(json["timeline"][0]["kind"], "triggered");

  r = RunVigiectl("--server " + address() + " incident show 42");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, testing::StartsWith("id:           42\n"));
  EXPECT_THAT(r.output, testing::HasSubstr("\nTIME  KIND       ACTOR   DETAIL\n"));

  r = RunVigiectl("--server " + address() + " incident show 99");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.output, "vigiectl: no incident 99\n");
}

TEST_F(AdminClientTest, VigiectlIncidentActions) {
  using V1 = vigie::v1::IncidentActionRequest;
  struct Case {
    std::string args;
    std::string output;
    V1 expected;  // id, action, comment, user, cause, owner
  };
  auto request = [](int64_t id, V1::Action action, std::string comment, std::string user = "",
                    std::string cause = "", std::string owner = "") {
    V1 r;
    r.set_id(id);
    r.set_action(action);
    r.set_comment(std::move(comment));
    r.set_user(std::move(user));
    r.set_cause(std::move(cause));
    r.set_owner(std::move(owner));
    return r;
  };
  for (const Case& c : std::vector<Case>{
           {"ack 42", "incident 42 acknowledged\n", request(42, V1::ACK, "")},
           {"ack 42 --comment 'on it'", "incident 42 acknowledged\n",
            request(42, V1::ACK, "on it")},
           {"unack 42", "incident 42 unacknowledged\n", request(42, V1::UNACK, "")},
           {"incident resolve 42 --cause disk-full --owner internal --comment done",
            "incident 42 resolved\n",
            request(42, V1::RESOLVE, "done", "", "disk-full", "internal")},
           {"incident reassign 42 --user carol", "incident 42 reassigned to carol\n",
            request(42, V1::REASSIGN, "", "carol")},
           {"incident comment 42 looking into it", "incident 42 commented\n",
            request(42, V1::COMMENT, "looking into it")},
           {"incident comment 42 'disk swap, see #12'", "incident 42 commented\n",
            request(42, V1::COMMENT, "disk swap, see #12")},
       }) {
    RunResult r = RunVigiectl("--server " + address() + " --author bob " + c.args);
    ASSERT_EQ(r.exit_code, 0) << c.args << "\n" << r.output;
    EXPECT_EQ(r.output, c.output) << c.args;
    std::lock_guard lock(fake_.mu);
    V1 sent = fake_.acted;
    EXPECT_THAT(sent.actor(), testing::StartsWith("bob@")) << c.args;
    sent.clear_actor();
    EXPECT_EQ(sent.SerializeAsString(), c.expected.SerializeAsString())
        << c.args << "\nsent: " << sent.ShortDebugString()
        << "\nexpected: " << c.expected.ShortDebugString();
  }

  RunResult r = RunVigiectl("--server " + address() + " ack 42 -o json");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(nlohmann::json::parse(r.output)["id"], 42);

  r = RunVigiectl("--server " + address() + " ack 13");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.output, "vigiectl: incident 13 is already acknowledged\n");
}

TEST_F(AdminClientTest, VigiectlIncidentBadArgumentsExit2NamingTheArgument) {
  const std::string server = "--server " + address() + " ";
  struct Case {
    std::string args;
    std::string message;
  };
  for (const Case& c : std::vector<Case>{
           {"ack", "ID is required"},
           {"ack abc", "ID: expected a positive incident id, got \"abc\""},
           {"ack 0", "ID: expected a positive incident id, got \"0\""},
           {"unack -- -4", "ID: expected a positive incident id, got \"-4\""},
           {"incident show 99999999999999999999", "ID: expected a positive incident id"},
           {"ack 42 --comment ''", "--comment: must not be empty"},
           {"incident resolve", "ID is required"},
           {"incident reassign 42", "--user is required"},
           {"incident comment 42", "TEXT is required"},
           {"incident show 42 -o csv", "--output: "},
           {"incident", "A subcommand is required"},
           {"incidents --from yesterday", "--from: invalid time \"yesterday\""},
           {"incidents --to 2026-10-32", "--to: invalid time \"2026-10-32\""},
           {"incidents --from 2026-10-02 --to 2026-10-01",
            "--to: \"2026-10-01\" must be after --from \"2026-10-02\""},
           {"incidents --limit 0", "--limit: Value 0 not in range"},
       }) {
    RunResult r = RunVigiectl(server + c.args);
    EXPECT_EQ(r.exit_code, 2) << c.args << "\n" << r.output;
    EXPECT_THAT(r.output, testing::HasSubstr(c.message)) << c.args;
  }
  std::lock_guard lock(fake_.mu);
  EXPECT_EQ(fake_.actions, 0);  // nothing reached the server
  EXPECT_EQ(fake_.listed.limit(), 0u);
}

}  // namespace
}  // namespace vigie::cli
