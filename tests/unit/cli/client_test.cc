#include "cli/client.h"

#include <sys/wait.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

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
// FAILED_PRECONDITION for 13, else incident `id`; OpenIncident returns
// incident 57. On-call: WhoIsOnCall answers alice on "ops" until 2023-11-14
// 23:13:20 UTC and a gap on "dba" (INVALID_ARGUMENT for schedule "nope");
// RenderSchedule two shifts; AddOverride returns "ov-7"; ListOverrides one
// override; DeleteOverride NOT_FOUND for "zz". Report returns "report as
// FORMAT\n". Every call remembers its request.
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

  grpc::Status OpenIncident(grpc::ServerContext*, const vigie::v1::OpenIncidentRequest* request,
                            vigie::v1::Incident* response) override {
    std::lock_guard lock(mu);
    opened = *request;
    response->set_id(57);
    response->set_title(request->title());
    response->set_source("manual");
    return grpc::Status::OK;
  }
  grpc::Status WhoIsOnCall(grpc::ServerContext*, const vigie::v1::WhoIsOnCallRequest* request,
                           vigie::v1::WhoIsOnCallResponse* response) override {
    std::lock_guard lock(mu);
    who = *request;
    ++who_calls;
    if (request->schedule() == "nope") {
      return {grpc::StatusCode::INVALID_ARGUMENT, "unknown schedule \"nope\""};
    }
    auto* ops = response->add_on_call();
    ops->set_schedule("ops");
    ops->set_user("alice");
    ops->set_until_ms(1'700'003'600'000);  // 2023-11-14T23:13:20Z
    response->add_on_call()->set_schedule("dba");
    return grpc::Status::OK;
  }
  grpc::Status RenderSchedule(grpc::ServerContext*, const vigie::v1::RenderScheduleRequest* request,
                              vigie::v1::RenderScheduleResponse* response) override {
    std::lock_guard lock(mu);
    rendered = *request;
    auto add = [&](const std::string& user, int64_t start_ms, int64_t end_ms,
                   const std::string& source) {
      auto* s = response->add_shifts();
      s->set_user(user);
      s->set_start_ms(start_ms);
      s->set_end_ms(end_ms);
      s->set_source(source);
    };
    add("alice", 1'700'000'000'000, 1'700'601'200'000, "layer:primary");
    add("bob", 1'700'601'200'000, 1'700'644'400'000, "override:ov-1");
    return grpc::Status::OK;
  }
  grpc::Status AddOverride(grpc::ServerContext*, const vigie::v1::AddOverrideRequest* request,
                           vigie::v1::AddOverrideResponse* response) override {
    std::lock_guard lock(mu);
    override_added = *request;
    ++override_adds;
    response->set_id("ov-7");
    return grpc::Status::OK;
  }
  grpc::Status ListOverrides(grpc::ServerContext*, const vigie::v1::ListOverridesRequest* request,
                             vigie::v1::ListOverridesResponse* response) override {
    std::lock_guard lock(mu);
    overrides_schedule = request->schedule();
    auto* o = response->add_overrides();
    o->set_id("ov-1");
    o->set_schedule("ops");
    o->set_user("bob");
    o->set_start_ms(1'700'601'200'000);
    o->set_end_ms(1'700'644'400'000);
    o->set_created_by("alice@laptop (ipv4:127.0.0.1:5)");
    o->set_reason("swap");
    o->set_created_at_ms(1'700'000'000'000);
    return grpc::Status::OK;
  }
  grpc::Status DeleteOverride(grpc::ServerContext*, const vigie::v1::DeleteOverrideRequest* request,
                              vigie::v1::DeleteOverrideResponse*) override {
    std::lock_guard lock(mu);
    override_deleted = *request;
    if (request->id() == "zz") return {grpc::StatusCode::NOT_FOUND, "no override \"zz\""};
    return grpc::Status::OK;
  }
  grpc::Status Report(grpc::ServerContext*, const vigie::v1::IncidentReportRequest* request,
                      vigie::v1::IncidentReportResponse* response) override {
    std::lock_guard lock(mu);
    reported = *request;
    ++reports;
    response->set_body("report as " + request->format() + "\n");
    return grpc::Status::OK;
  }

  std::mutex mu;
  bool reload_fails = false;
  vigie::v1::OpenIncidentRequest opened;
  vigie::v1::WhoIsOnCallRequest who;
  int who_calls = 0;
  vigie::v1::RenderScheduleRequest rendered;
  vigie::v1::AddOverrideRequest override_added;
  int override_adds = 0;
  std::string overrides_schedule = "(not called)";
  vigie::v1::DeleteOverrideRequest override_deleted;
  vigie::v1::IncidentReportRequest reported;
  int reports = 0;
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

TEST_F(AdminClientTest, OnCallAndReportCalls) {
  AdminClient client(address(), std::chrono::seconds(10));
  vigie::v1::OpenIncidentRequest open;
  open.set_title("ERP is slow");
  auto incident = client.OpenIncident(open);
  ASSERT_TRUE(incident.ok()) << incident.status();
  EXPECT_EQ(incident->id(), 57);
  EXPECT_EQ(fake_.opened.title(), "ERP is slow");

  vigie::v1::WhoIsOnCallRequest who;
  who.set_at_ms(123);
  auto on_call = client.WhoIsOnCall(who);
  ASSERT_TRUE(on_call.ok()) << on_call.status();
  ASSERT_EQ(on_call->size(), 2u);
  EXPECT_EQ((*on_call)[0].user(), "alice");
  EXPECT_EQ((*on_call)[1].user(), "");
  EXPECT_EQ(fake_.who.at_ms(), 123);
  who.set_schedule("nope");
  EXPECT_EQ(client.WhoIsOnCall(who).status(),
            absl::InvalidArgumentError("unknown schedule \"nope\""));

  vigie::v1::RenderScheduleRequest render;
  render.set_schedule("ops");
  auto shifts = client.RenderSchedule(render);
  ASSERT_TRUE(shifts.ok()) << shifts.status();
  ASSERT_EQ(shifts->size(), 2u);
  EXPECT_EQ((*shifts)[1].source(), "override:ov-1");
  EXPECT_EQ(fake_.rendered.schedule(), "ops");

  vigie::v1::AddOverrideRequest add;
  add.set_schedule("ops");
  auto id = client.AddOverride(add);
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(*id, "ov-7");

  auto overrides = client.ListOverrides("ops");
  ASSERT_TRUE(overrides.ok()) << overrides.status();
  ASSERT_EQ(overrides->size(), 1u);
  EXPECT_EQ((*overrides)[0].id(), "ov-1");
  EXPECT_EQ(fake_.overrides_schedule, "ops");

  EXPECT_TRUE(client.DeleteOverride("ov-1", "alice@laptop").ok());
  EXPECT_EQ(fake_.override_deleted.actor(), "alice@laptop");
  EXPECT_EQ(client.DeleteOverride("zz", "alice@laptop"), absl::NotFoundError("no override \"zz\""));

  vigie::v1::IncidentReportRequest report;
  report.set_format("csv");
  auto body = client.Report(report);
  ASSERT_TRUE(body.ok()) << body.status();
  EXPECT_EQ(*body, "report as csv\n");
}

// Local times in vigiectl's output: the child inherits TZ.
class ScopedUtc {
 public:
  ScopedUtc() {
    if (const char* old = std::getenv("TZ")) old_ = old;
    setenv("TZ", "UTC0", 1);
  }
  ~ScopedUtc() {
    if (old_) {
      setenv("TZ", old_->c_str(), 1);
    } else {
      unsetenv("TZ");
    }
  }
  ScopedUtc(const ScopedUtc&) = delete;
  ScopedUtc& operator=(const ScopedUtc&) = delete;

 private:
  std::optional<std::string> old_;
};

TEST_F(AdminClientTest, VigiectlIncidentOpen) {
  RunResult r = RunVigiectl("--server " + address() +
                            " --author bob incident open --title 'ERP is slow' --service erp"
                            " --reported-by 'Mme Martin' --severity critical");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "incident 57 opened\n");
  {
    std::lock_guard lock(fake_.mu);
    EXPECT_EQ(fake_.opened.title(), "ERP is slow");
    EXPECT_EQ(fake_.opened.service(), "erp");
    EXPECT_EQ(fake_.opened.severity(), "critical");
    EXPECT_EQ(fake_.opened.reported_by(), "Mme Martin");
    EXPECT_THAT(fake_.opened.actor(), testing::StartsWith("bob@"));
  }
  r = RunVigiectl("--server " + address() +
                  " incident open --title x --service erp --reported-by me -o json");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto json = nlohmann::json::parse(r.output);
  EXPECT_EQ(json["id"], 57);
  EXPECT_EQ(json["source"], "manual");
  std::lock_guard lock(fake_.mu);
  EXPECT_EQ(fake_.opened.severity(), "warning");  // the default
}

TEST_F(AdminClientTest, VigiectlOncallWho) {
  ScopedUtc utc;
  RunResult r = RunVigiectl("--server " + address() + " oncall who");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output,
            "SCHEDULE  ON CALL  UNTIL\n"
            "ops       alice    2023-11-14 23:13:20\n"
            "dba       -        -\n");
  {
    std::lock_guard lock(fake_.mu);
    EXPECT_EQ(fake_.who.schedule(), "");
    EXPECT_EQ(fake_.who.at_ms(), 0);  // now, on vigied's clock
  }
  r = RunVigiectl("--server " + address() +
                  " oncall who --schedule ops --at 2026-10-01T08:00:00+02:00 -o csv");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "schedule,on_call,until\r\nops,alice,2023-11-14T23:13:20Z\r\ndba,,\r\n");
  {
    std::lock_guard lock(fake_.mu);
    EXPECT_EQ(fake_.who.schedule(), "ops");
    EXPECT_EQ(fake_.who.at_ms(), 1'790'834'400'000);  // 2026-10-01T06:00:00Z
  }
  r = RunVigiectl("--server " + address() + " oncall who --at 2026-10-01");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  {
    std::lock_guard lock(fake_.mu);
    EXPECT_EQ(fake_.who.at_ms(), 1'790'812'800'000);  // 2026-10-01T00:00:00Z
  }
  r = RunVigiectl("--server " + address() + " oncall who --schedule nope");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.output, "vigiectl: unknown schedule \"nope\"\n");
}

TEST_F(AdminClientTest, VigiectlOncallShow) {
  ScopedUtc utc;
  RunResult r = RunVigiectl("--server " + address() +
                            " oncall show ops --from 2023-11-14 --to 2023-11-23T00:00:00Z");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output,
            "USER   FROM                 TO                   DURATION  SOURCE\n"
            "alice  2023-11-14 22:13:20  2023-11-21 21:13:20  6d23h     layer:primary\n"
            "bob    2023-11-21 21:13:20  2023-11-22 09:13:20  12h       override:ov-1\n");
  {
    std::lock_guard lock(fake_.mu);
    EXPECT_EQ(fake_.rendered.schedule(), "ops");
    EXPECT_EQ(fake_.rendered.from_ms(), 1'699'920'000'000);  // 2023-11-14T00:00:00Z
    EXPECT_EQ(fake_.rendered.to_ms(), 1'699'920'000'000 + 9 * 86'400'000);
  }
  r = RunVigiectl("--server " + address() +
                  " oncall show ops --from 2023-11-14 --to 2023-11-23 -o csv");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output,
            "user,from,to,duration_s,source\r\n"
            "alice,2023-11-14T22:13:20Z,2023-11-21T21:13:20Z,601200,layer:primary\r\n"
            "bob,2023-11-21T21:13:20Z,2023-11-22T09:13:20Z,43200,override:ov-1\r\n");
  r = RunVigiectl("--server " + address() +
                  " oncall show ops --from 2023-11-14 --to 2023-11-23 -o json");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto json = nlohmann::json::parse(r.output);
  ASSERT_EQ(json.size(), 2u);
  EXPECT_EQ(json[0]["duration_s"], 601200);
  EXPECT_EQ(json[1]["source"], "override:ov-1");
}

TEST_F(AdminClientTest, VigiectlOncallOverrides) {
  ScopedUtc utc;
  RunResult r = RunVigiectl("--server " + address() + " --author carol oncall override ops" +
                            " --user bob --from 2026-10-01T08:00:00Z --to 2026-10-01T20:00:00Z" +
                            " --reason 'swap with alice'");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "ov-7\n");
  {
    std::lock_guard lock(fake_.mu);
    EXPECT_EQ(fake_.override_added.schedule(), "ops");
    EXPECT_EQ(fake_.override_added.user(), "bob");
    EXPECT_EQ(fake_.override_added.start_ms(), 1'790'812'800'000 + 8 * 3'600'000);
    EXPECT_EQ(fake_.override_added.end_ms(), 1'790'812'800'000 + 20 * 3'600'000);
    EXPECT_EQ(fake_.override_added.reason(), "swap with alice");
    EXPECT_THAT(fake_.override_added.actor(), testing::StartsWith("carol@"));
  }
  r = RunVigiectl("--server " + address() +
                  " oncall override ops --user bob --from 2026-10-01 --to 2026-10-02 -o json");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(nlohmann::json::parse(r.output)["id"], "ov-7");

  r = RunVigiectl("--server " + address() + " oncall overrides ops");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output,
            "ID    SCHEDULE  USER  FROM                 TO                   REASON  CREATED BY\n"
            "ov-1  ops       bob   2023-11-21 21:13:20  2023-11-22 09:13:20  swap    "
            "alice@laptop (ipv4:127.0.0.1:5)\n");
  {
    std::lock_guard lock(fake_.mu);
    EXPECT_EQ(fake_.overrides_schedule, "ops");
  }
  r = RunVigiectl("--server " + address() + " oncall overrides -o csv");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output,
            "id,schedule,user,from,to,reason,created_by,created_at\r\n"
            "ov-1,ops,bob,2023-11-21T21:13:20Z,2023-11-22T09:13:20Z,swap,"
            "alice@laptop (ipv4:127.0.0.1:5),2023-11-14T22:13:20Z\r\n");
  {
    std::lock_guard lock(fake_.mu);
    EXPECT_EQ(fake_.overrides_schedule, "");  // every schedule
  }

  r = RunVigiectl("--server " + address() + " --author carol oncall override-delete ov-1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "");
  {
    std::lock_guard lock(fake_.mu);
    EXPECT_EQ(fake_.override_deleted.id(), "ov-1");
    EXPECT_THAT(fake_.override_deleted.actor(), testing::StartsWith("carol@"));
  }
  r = RunVigiectl("--server " + address() + " oncall override-delete zz");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.output, "vigiectl: no override \"zz\"\n");
}

TEST_F(AdminClientTest, VigiectlReportPrintsTheServersBodyAsIs) {
  for (const auto& [flag, format] : std::vector<std::pair<std::string, std::string>>{
           {"", "table"}, {" -o csv", "csv"}, {" -o json", "json"}, {" -o html", "html"}}) {
    RunResult r =
        RunVigiectl("--server " + address() + " report --from 2026-10-01 --to 2026-11-01" + flag);
    ASSERT_EQ(r.exit_code, 0) << flag << "\n" << r.output;
    EXPECT_EQ(r.output, "report as " + format + "\n") << flag;
    std::lock_guard lock(fake_.mu);
    EXPECT_EQ(fake_.reported.format(), format);
    EXPECT_EQ(fake_.reported.from_ms(), 1'790'812'800'000);  // 2026-10-01T00:00:00Z
    EXPECT_EQ(fake_.reported.to_ms(), 1'793'491'200'000);    // 2026-11-01T00:00:00Z
  }
}

TEST_F(AdminClientTest, VigiectlOncallAndReportBadArgumentsExit2NamingTheArgument) {
  const std::string server = "--server " + address() + " ";
  struct Case {
    std::string args;
    std::string message;
  };
  for (const Case& c : std::vector<Case>{
           {"incident open --service erp --reported-by me", "--title is required"},
           {"incident open --title x --reported-by me", "--service is required"},
           {"incident open --title x --service erp", "--reported-by is required"},
           {"incident open --title '' --service erp --reported-by me",
            "--title: must not be empty"},
           {"incident open --title x --service erp --reported-by me --severity page",
            "--severity: page not in"},
           {"oncall", "A subcommand is required"},
           {"oncall who --at yesterday", "--at: invalid time \"yesterday\""},
           {"oncall who -o html", "--output: html is only for report"},
           {"oncall show --from 2026-10-01 --to 2026-10-02", "SCHEDULE is required"},
           {"oncall show ops --to 2026-10-02", "--from is required"},
           {"oncall show ops --from 2026-10-01", "--to is required"},
           {"oncall show ops --from 2026-10-32 --to 2026-11-01", "--from: invalid time"},
           {"oncall show ops --from 2026-10-02 --to 2026-10-01",
            "--to: \"2026-10-01\" must be after --from \"2026-10-02\""},
           {"oncall override ops --from 2026-10-01 --to 2026-10-02", "--user is required"},
           {"oncall override ops --user bob --to 2026-10-02", "--from is required"},
           {"oncall override ops --user bob --from 2026-10-01 --to 2026-10-01",
            "--to: \"2026-10-01\" must be after --from \"2026-10-01\""},
           {"oncall override --user bob --from 2026-10-01 --to 2026-10-02", "SCHEDULE is required"},
           {"oncall override-delete", "ID is required"},
           {"report --to 2026-11-01", "--from is required"},
           {"report --from 2026-10-01", "--to is required"},
           {"report --from 2026-10-01 --to tomorrow", "--to: invalid time \"tomorrow\""},
           {"report --from 2026-11-01 --to 2026-10-01",
            "--to: \"2026-10-01\" must be after --from \"2026-11-01\""},
           {"report --from 2026-10-01 --to 2026-11-01 -o pdf", "--output: pdf not in"},
       }) {
    RunResult r = RunVigiectl(server + c.args);
    EXPECT_EQ(r.exit_code, 2) << c.args << "\n" << r.output;
    EXPECT_THAT(r.output, testing::HasSubstr(c.message)) << c.args;
  }
  std::lock_guard lock(fake_.mu);  // nothing reached the server
  EXPECT_EQ(fake_.opened.title(), "");
  EXPECT_EQ(fake_.who_calls, 0);
  EXPECT_EQ(fake_.rendered.schedule(), "");
  EXPECT_EQ(fake_.override_adds, 0);
  EXPECT_EQ(fake_.override_deleted.id(), "");
  EXPECT_EQ(fake_.reports, 0);
}

}  // namespace
}  // namespace vigie::cli
