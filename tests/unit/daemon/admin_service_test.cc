#include "daemon/admin/admin_service.h"

#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "daemon/admin/alert_admin.h"
#include "daemon/state/state.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "vigie/v1/ingest.pb.h"

namespace vigie::daemon {
namespace {

constexpr int64_t kStart = 1'700'000'000'000;

void AddLabel(google::protobuf::RepeatedPtrField<vigie::v1::Label>& labels, const std::string& name,
              const std::string& value) {
  auto* l = labels.Add();
  l->set_name(name);
  l->set_value(value);
}

void AddSample(vigie::v1::Batch& batch, const std::string& metric, const std::string& cpu,
               double value, int64_t ts) {
  auto* s = batch.add_samples();
  s->set_name(metric);
  if (!cpu.empty()) AddLabel(*s->mutable_labels(), "cpu", cpu);
  s->set_value(value);
  s->set_timestamp_ms(ts);
}

std::vector<std::pair<std::string, std::string>> LabelsOf(const vigie::v1::SeriesData& s) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& l : s.labels()) out.emplace_back(l.name(), l.value());
  return out;
}

class AdminServiceTest : public testing::Test {
 protected:
  AdminServiceTest() : clock_(kStart), state_(clock_, StateOptions{}), service_(state_) {
    vigie::v1::HelloRequest hello;
    hello.set_host("web-1");
    hello.set_agent_version("0.1.0");
    hello.set_interval_ms(15'000);
    AddLabel(*hello.mutable_host_labels(), "env", "prod");
    auto* inv = hello.mutable_inventory();
    inv->set_hostname("web-1");
    inv->set_os_name("Debian GNU/Linux 12 (bookworm)");
    inv->set_cpu_count(4);
    state_.Hello(hello);
    hello.set_host("db-1");
    state_.Hello(hello);

    vigie::v1::Batch batch;
    batch.set_seq(1);
    AddSample(batch, "node_cpu_seconds_total", "1", 10, kStart);
    AddSample(batch, "node_cpu_seconds_total", "0", 20, kStart);
    AddSample(batch, "node_load1", "", 0.5, kStart);
    state_.Apply("web-1", batch);
    batch.Clear();
    batch.set_seq(2);
    AddSample(batch, "node_cpu_seconds_total", "0", 21, kStart + 15'000);
    state_.Apply("web-1", batch);
    clock_.Advance(std::chrono::seconds(12));

    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
    stub_ = vigie::v1::Admin::NewStub(grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                                                          grpc::InsecureChannelCredentials()));
  }
  ~AdminServiceTest() override { server_->Shutdown(); }

  grpc::Status Query(const std::string& host, const std::string& metric,
                     std::vector<std::pair<std::string, std::string>> matchers,
                     vigie::v1::QuerySeriesResponse& response) {
    vigie::v1::QuerySeriesRequest request;
    request.set_host(host);
    request.set_metric(metric);
    for (const auto& [name, value] : matchers) AddLabel(*request.mutable_matchers(), name, value);
    grpc::ClientContext ctx;
    return stub_->QuerySeries(&ctx, request, &response);
  }

  FakeClock clock_;
  State state_;
  AdminService service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<vigie::v1::Admin::Stub> stub_;
};

TEST_F(AdminServiceTest, ListHostsSortedAndFilled) {
  grpc::ClientContext ctx;
  vigie::v1::ListHostsResponse response;
  ASSERT_TRUE(stub_->ListHosts(&ctx, {}, &response).ok());
  ASSERT_EQ(response.hosts_size(), 2);
  EXPECT_EQ(response.hosts(0).name(), "db-1");
  const vigie::v1::Host& web = response.hosts(1);
  EXPECT_EQ(web.name(), "web-1");
  EXPECT_TRUE(web.up());
  EXPECT_FALSE(web.connected());
  EXPECT_EQ(web.first_seen_ms(), kStart);
  EXPECT_EQ(web.last_seen_ms(), kStart);
  EXPECT_EQ(web.agent_version(), "0.1.0");
  EXPECT_EQ(web.interval_ms(), 15'000);
  EXPECT_EQ(web.last_applied_seq(), 2u);
  EXPECT_EQ(web.series_count(), 3u);
  ASSERT_EQ(web.labels_size(), 1);
  EXPECT_EQ(web.labels(0).name(), "env");
  EXPECT_EQ(web.inventory().os_name(), "Debian GNU/Linux 12 (bookworm)");
  EXPECT_EQ(web.inventory().cpu_count(), 4u);
}

TEST_F(AdminServiceTest, GetHostReportsStalenessAndNotFound) {
  clock_.Advance(std::chrono::minutes(5));  // more than 3 intervals of 15 s
  grpc::ClientContext ctx;
  vigie::v1::GetHostRequest request;
  request.set_name("web-1");
  vigie::v1::Host host;
  ASSERT_TRUE(stub_->GetHost(&ctx, request, &host).ok());
  EXPECT_EQ(host.name(), "web-1");
  EXPECT_FALSE(host.up());

  grpc::ClientContext ctx2;
  request.set_name("nope");
  grpc::Status st = stub_->GetHost(&ctx2, request, &host);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(st.error_message(), "no host named \"nope\"");
}

TEST_F(AdminServiceTest, QuerySeriesReturnsSortedSeriesWithAllPoints) {
  vigie::v1::QuerySeriesResponse response;
  ASSERT_TRUE(Query("web-1", "node_cpu_seconds_total", {}, response).ok());
  ASSERT_EQ(response.series_size(), 2);
  using L = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(LabelsOf(response.series(0)),
            (L{{"__name__", "node_cpu_seconds_total"}, {"cpu", "0"}, {"host", "web-1"}}));
  EXPECT_EQ(LabelsOf(response.series(1)),
            (L{{"__name__", "node_cpu_seconds_total"}, {"cpu", "1"}, {"host", "web-1"}}));
  const auto& points = response.series(0).points();
  ASSERT_EQ(points.size(), 2);
  EXPECT_EQ(points[0].timestamp_ms(), kStart);
  EXPECT_EQ(points[0].value(), 20);
  EXPECT_EQ(points[1].timestamp_ms(), kStart + 15'000);
  EXPECT_EQ(points[1].value(), 21);
}

TEST_F(AdminServiceTest, QuerySeriesAppliesEqualityMatchers) {
  vigie::v1::QuerySeriesResponse response;
  ASSERT_TRUE(Query("web-1", "node_cpu_seconds_total", {{"cpu", "1"}}, response).ok());
  ASSERT_EQ(response.series_size(), 1);
  EXPECT_EQ(response.series(0).points(0).value(), 10);

  response.Clear();  // an empty value selects series without the label
  ASSERT_TRUE(Query("web-1", "node_load1", {{"cpu", ""}, {"host", "web-1"}}, response).ok());
  EXPECT_EQ(response.series_size(), 1);

  response.Clear();
  ASSERT_TRUE(Query("web-1", "node_cpu_seconds_total", {{"cpu", "7"}}, response).ok());
  EXPECT_EQ(response.series_size(), 0);

  response.Clear();  // a known host without that metric
  ASSERT_TRUE(Query("db-1", "node_load1", {}, response).ok());
  EXPECT_EQ(response.series_size(), 0);
}

TEST_F(AdminServiceTest, QuerySeriesRejectsMissingFields) {
  vigie::v1::QuerySeriesResponse response;
  grpc::Status st = Query("", "node_load1", {}, response);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(st.error_message().find("\"host\""), std::string::npos) << st.error_message();

  st = Query("web-1", "", {}, response);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(st.error_message().find("\"metric\""), std::string::npos) << st.error_message();

  st = Query("web-1", "node_load1", {{"", "x"}}, response);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(st.error_message().find("matcher 1"), std::string::npos) << st.error_message();

  st = Query("nope", "node_load1", {}, response);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(st.error_message(), "no host named \"nope\"");
}

TEST_F(AdminServiceTest, AlertingRpcsAreUnimplementedWithoutAlertAdmin) {
  auto expect_unimplemented = [](const grpc::Status& st) {
    EXPECT_EQ(st.error_code(), grpc::StatusCode::UNIMPLEMENTED);
    EXPECT_EQ(st.error_message(), "alerting is not enabled");
  };
  {
    grpc::ClientContext ctx;
    vigie::v1::ListAlertsResponse r;
    expect_unimplemented(stub_->ListAlerts(&ctx, {}, &r));
  }
  {
    grpc::ClientContext ctx;
    vigie::v1::AddSilenceRequest request;
    request.add_matchers("host=db1");
    request.set_ends_at_ms(kStart + 3'600'000);
    request.set_comment("x");
    vigie::v1::AddSilenceResponse r;
    expect_unimplemented(stub_->AddSilence(&ctx, request, &r));
  }
  {
    grpc::ClientContext ctx;
    vigie::v1::ListSilencesResponse r;
    expect_unimplemented(stub_->ListSilences(&ctx, {}, &r));
  }
  {
    grpc::ClientContext ctx;
    vigie::v1::ExpireSilenceRequest request;
    request.set_id("abc");
    vigie::v1::ExpireSilenceResponse r;
    expect_unimplemented(stub_->ExpireSilence(&ctx, request, &r));
  }
  {
    grpc::ClientContext ctx;
    vigie::v1::ReloadResponse r;
    expect_unimplemented(stub_->Reload(&ctx, {}, &r));
  }
  {
    grpc::ClientContext ctx;
    vigie::v1::ListAuditResponse r;
    expect_unimplemented(stub_->ListAudit(&ctx, {}, &r));
  }
  {
    grpc::ClientContext ctx;
    vigie::v1::ListIncidentsResponse r;
    expect_unimplemented(stub_->ListIncidents(&ctx, {}, &r));
  }
  {
    grpc::ClientContext ctx;
    vigie::v1::GetIncidentRequest request;
    request.set_id(1);
    vigie::v1::IncidentDetail r;
    expect_unimplemented(stub_->GetIncident(&ctx, request, &r));
  }
  {
    grpc::ClientContext ctx;
    vigie::v1::IncidentActionRequest request;
    request.set_id(1);
    request.set_action(vigie::v1::IncidentActionRequest::ACK);
    vigie::v1::Incident r;
    expect_unimplemented(stub_->ActOnIncident(&ctx, request, &r));
  }
  {
    grpc::ClientContext ctx;
    vigie::v1::OpenIncidentRequest request;
    request.set_title("ERP slow");
    request.set_service("erp");
    request.set_reported_by("Mme Martin");
    vigie::v1::Incident r;
    expect_unimplemented(stub_->OpenIncident(&ctx, request, &r));
  }
  {
    grpc::ClientContext ctx;
    vigie::v1::WhoIsOnCallResponse r;
    expect_unimplemented(stub_->WhoIsOnCall(&ctx, {}, &r));
  }
  {
    grpc::ClientContext ctx;
    vigie::v1::RenderScheduleRequest request;
    request.set_schedule("ops");
    request.set_from_ms(kStart);
    request.set_to_ms(kStart + 1);
    vigie::v1::RenderScheduleResponse r;
    expect_unimplemented(stub_->RenderSchedule(&ctx, request, &r));
  }
  {
    grpc::ClientContext ctx;
    vigie::v1::AddOverrideRequest request;
    request.set_schedule("ops");
    request.set_user("bob");
    request.set_start_ms(kStart);
    request.set_end_ms(kStart + 1);
    vigie::v1::AddOverrideResponse r;
    expect_unimplemented(stub_->AddOverride(&ctx, request, &r));
  }
  {
    grpc::ClientContext ctx;
    vigie::v1::ListOverridesResponse r;
    expect_unimplemented(stub_->ListOverrides(&ctx, {}, &r));
  }
  {
    grpc::ClientContext ctx;
    vigie::v1::DeleteOverrideRequest request;
    request.set_id("o1");
    vigie::v1::DeleteOverrideResponse r;
    expect_unimplemented(stub_->DeleteOverride(&ctx, request, &r));
  }
  {
    grpc::ClientContext ctx;
    vigie::v1::IncidentReportRequest request;
    request.set_from_ms(kStart);
    request.set_to_ms(kStart + 1);
    vigie::v1::IncidentReportResponse r;
    expect_unimplemented(stub_->Report(&ctx, request, &r));
  }
}

// Canned AlertAdmin: returns what the test put in, records what it was asked.
class FakeAlertAdmin final : public AlertAdmin {
 public:
  std::vector<AlertView> ListAlerts() const override {
    std::lock_guard lock(mu_);
    return alerts;
  }
  absl::StatusOr<std::string> AddSilence(routing::Silence silence,
                                         const std::string& actor) override {
    std::lock_guard lock(mu_);
    added = std::move(silence);
    last_actor = actor;
    return add_result;
  }
  std::vector<routing::Silence> ListSilences(
      std::optional<routing::SilenceState> state) const override {
    std::lock_guard lock(mu_);
    listed_state = state;
    return silences;
  }
  absl::Status ExpireSilence(const std::string& id, const std::string& actor) override {
    std::lock_guard lock(mu_);
    expired_id = id;
    last_actor = actor;
    return expire_result;
  }
  absl::StatusOr<ReloadResult> Reload(const std::string& actor) override {
    std::lock_guard lock(mu_);
    last_actor = actor;
    return reload_result;
  }
  absl::StatusOr<std::vector<AuditRecord>> ListAudit(size_t limit) const override {
    std::lock_guard lock(mu_);
    audit_limit = limit;
    return audit_result;
  }
  absl::StatusOr<std::vector<IncidentRecord>> ListIncidents(const IncidentQuery& q) const override {
    std::lock_guard lock(mu_);
    incident_query = q;
    return incidents_result;
  }
  absl::StatusOr<IncidentRecord> GetIncident(int64_t id) const override {
    std::lock_guard lock(mu_);
    got_incident_id = id;
    return incident_result;
  }
  absl::StatusOr<std::vector<TimelineRecord>> IncidentTimeline(int64_t id) const override {
    std::lock_guard lock(mu_);
    timeline_id = id;
    return timeline_result;
  }
  absl::StatusOr<IncidentRecord> ActOnIncident(const IncidentRequest& request) override {
    std::lock_guard lock(mu_);
    acted = request;
    return act_result;
  }
  absl::StatusOr<IncidentRecord> OpenIncident(const ManualIncident& request) override {
    std::lock_guard lock(mu_);
    opened = request;
    return open_result;
  }
  absl::StatusOr<std::vector<OnCallNow>> WhoIsOnCall(const std::string& schedule,
                                                     int64_t at_ms) const override {
    std::lock_guard lock(mu_);
    who_asked = std::pair(schedule, at_ms);
    return who_result;
  }
  absl::StatusOr<std::vector<oncall::Shift>> RenderSchedule(const std::string& schedule,
                                                            int64_t from_ms,
                                                            int64_t to_ms) const override {
    std::lock_guard lock(mu_);
    rendered = Rendered{schedule, from_ms, to_ms};
    return render_result;
  }
  absl::StatusOr<std::string> AddOverride(const OverrideRequest& request) override {
    std::lock_guard lock(mu_);
    override_added = request;
    return add_override_result;
  }
  absl::StatusOr<std::vector<oncall::Override>> ListOverrides(
      const std::string& schedule) const override {
    std::lock_guard lock(mu_);
    overrides_schedule = schedule;
    return overrides_result;
  }
  absl::Status DeleteOverride(const std::string& id, const std::string& actor) override {
    std::lock_guard lock(mu_);
    deleted_override = id;
    last_actor = actor;
    return delete_override_result;
  }
  absl::StatusOr<std::string> Report(int64_t from_ms, int64_t to_ms,
                                     const std::string& format) const override {
    std::lock_guard lock(mu_);
    reported = Reported{from_ms, to_ms, format};
    return report_result;
  }

  // Set by the test before the call.
  std::vector<AlertView> alerts;
  absl::StatusOr<std::string> add_result = std::string("0123456789abcdef0123456789abcdef");
  std::vector<routing::Silence> silences;
  absl::Status expire_result;
  absl::StatusOr<ReloadResult> reload_result = ReloadResult{};
  absl::StatusOr<std::vector<AuditRecord>> audit_result = std::vector<AuditRecord>{};
  absl::StatusOr<std::vector<IncidentRecord>> incidents_result = std::vector<IncidentRecord>{};
  absl::StatusOr<IncidentRecord> incident_result = IncidentRecord{};
  absl::StatusOr<std::vector<TimelineRecord>> timeline_result = std::vector<TimelineRecord>{};
  absl::StatusOr<IncidentRecord> act_result = IncidentRecord{};
  absl::StatusOr<IncidentRecord> open_result = IncidentRecord{};
  absl::StatusOr<std::vector<OnCallNow>> who_result = std::vector<OnCallNow>{};
  absl::StatusOr<std::vector<oncall::Shift>> render_result = std::vector<oncall::Shift>{};
  absl::StatusOr<std::string> add_override_result = std::string("ov-1");
  absl::StatusOr<std::vector<oncall::Override>> overrides_result = std::vector<oncall::Override>{};
  absl::Status delete_override_result;
  absl::StatusOr<std::string> report_result = std::string("report\n");
  // Recorded by the calls.
  std::optional<routing::Silence> added;
  std::string last_actor;
  mutable std::optional<routing::SilenceState> listed_state;
  std::string expired_id;
  mutable size_t audit_limit = 0;
  mutable std::optional<IncidentQuery> incident_query;
  mutable int64_t got_incident_id = 0;
  mutable int64_t timeline_id = 0;
  std::optional<IncidentRequest> acted;
  std::optional<ManualIncident> opened;
  mutable std::optional<std::pair<std::string, int64_t>> who_asked;
  struct Rendered {
    std::string schedule;
    int64_t from_ms = 0;
    int64_t to_ms = 0;
  };
  mutable std::optional<Rendered> rendered;
  std::optional<OverrideRequest> override_added;
  mutable std::optional<std::string> overrides_schedule;
  std::optional<std::string> deleted_override;
  struct Reported {
    int64_t from_ms = 0;
    int64_t to_ms = 0;
    std::string format;
  };
  mutable std::optional<Reported> reported;

 private:
  mutable std::mutex mu_;
};

Alert MakeAlert(const std::string& rule, AlertState state, const std::string& host) {
  Alert a;
  a.rule = rule;
  a.group = "node";
  a.labels = {{"alertname", rule}, {"host", host}, {"severity", "warning"}};
  a.annotations = {{"summary", rule + " on " + host}};
  a.state = state;
  a.value = 93.5;
  a.active_at_ms = kStart - 600'000;
  a.fired_at_ms = state == AlertState::kPending ? 0 : kStart - 300'000;
  a.fingerprint = 0x0dac1e79653571b3;
  return a;
}

routing::Silence MakeSilence(const std::string& id, int64_t starts_at_ms, int64_t ends_at_ms) {
  routing::Silence s;
  s.id = id;
  s.matchers.push_back(*Matcher::Parse("host=db1"));
  s.matchers.push_back(*Matcher::Parse("alertname=~Disk.*"));
  s.starts_at_ms = starts_at_ms;
  s.ends_at_ms = ends_at_ms;
  s.created_by = "alice@laptop (ipv4:127.0.0.1:5000)";
  s.comment = "disk swap";
  s.created_at_ms = kStart - 1'000;
  s.updated_at_ms = kStart - 500;
  return s;
}

// Every field set, each to a distinct value.
IncidentRecord MakeIncident(int64_t id) {
  IncidentRecord r;
  r.id = id;
  r.group_key = "{}:{alertname=\"DiskFull\"}";
  r.title = "DiskFull on db1";
  r.source = "alert";
  r.reported_by = "nobody";
  r.service = "storage";
  r.severity = "critical";
  r.host = "db1";
  r.rule = "DiskFull";
  r.labels = {{"alertname", "DiskFull"}, {"host", "db1"}};
  r.state = "acknowledged";
  r.opened_ms = kStart - 600'000;
  r.acked_ms = kStart - 408'000;
  r.acked_by = "alice";
  r.resolved_ms = kStart - 60'000;
  r.resolved_by = "bob";
  r.assignee = "carol";
  r.cause = "disk-full";
  r.owner = "internal";
  r.policy = "storage-oncall";
  r.step = 2;
  r.round = 1;
  r.next_step_ms = kStart + 300'000;
  r.escalation_json = R"({"delayed":["dave"]})";
  return r;
}

class AlertAdminServiceTest : public testing::Test {
 protected:
  AlertAdminServiceTest()
      : clock_(kStart), state_(clock_, StateOptions{}), service_(state_, &fake_) {
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
    stub_ = vigie::v1::Admin::NewStub(grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                                                          grpc::InsecureChannelCredentials()));
  }
  ~AlertAdminServiceTest() override { server_->Shutdown(); }

  grpc::Status ListAlerts(const std::string& state, vigie::v1::ListAlertsResponse& response) {
    grpc::ClientContext ctx;
    vigie::v1::ListAlertsRequest request;
    request.set_state(state);
    return stub_->ListAlerts(&ctx, request, &response);
  }

  static vigie::v1::AddSilenceRequest SilenceRequest(std::vector<std::string> matchers) {
    vigie::v1::AddSilenceRequest request;
    for (const std::string& m : matchers) request.add_matchers(m);
    request.set_ends_at_ms(kStart + 2 * 3'600'000);
    request.set_comment("disk swap");
    request.set_actor("alice@laptop");
    return request;
  }

  grpc::Status AddSilence(const vigie::v1::AddSilenceRequest& request,
                          vigie::v1::AddSilenceResponse& response) {
    grpc::ClientContext ctx;
    return stub_->AddSilence(&ctx, request, &response);
  }

  grpc::Status ListSilences(const std::string& state, vigie::v1::ListSilencesResponse& response) {
    grpc::ClientContext ctx;
    vigie::v1::ListSilencesRequest request;
    request.set_state(state);
    return stub_->ListSilences(&ctx, request, &response);
  }

  grpc::Status Expire(const std::string& id, const std::string& actor) {
    grpc::ClientContext ctx;
    vigie::v1::ExpireSilenceRequest request;
    request.set_id(id);
    request.set_actor(actor);
    vigie::v1::ExpireSilenceResponse response;
    return stub_->ExpireSilence(&ctx, request, &response);
  }

  grpc::Status ListAudit(uint32_t limit, vigie::v1::ListAuditResponse& response) {
    grpc::ClientContext ctx;
    vigie::v1::ListAuditRequest request;
    request.set_limit(limit);
    return stub_->ListAudit(&ctx, request, &response);
  }

  grpc::Status ListIncidents(const vigie::v1::ListIncidentsRequest& request,
                             vigie::v1::ListIncidentsResponse& response) {
    grpc::ClientContext ctx;
    return stub_->ListIncidents(&ctx, request, &response);
  }

  grpc::Status GetIncident(int64_t id, vigie::v1::IncidentDetail& response) {
    grpc::ClientContext ctx;
    vigie::v1::GetIncidentRequest request;
    request.set_id(id);
    return stub_->GetIncident(&ctx, request, &response);
  }

  grpc::Status Act(const vigie::v1::IncidentActionRequest& request, vigie::v1::Incident& response) {
    grpc::ClientContext ctx;
    return stub_->ActOnIncident(&ctx, request, &response);
  }

  // Any unary call: `Call(&Stub::Report, request, response)`.
  template <typename Request, typename Response>
  grpc::Status Call(grpc::Status (vigie::v1::Admin::Stub::*method)(grpc::ClientContext*,
                                                                   const Request&, Response*),
                    const Request& request, Response& response) {
    grpc::ClientContext ctx;
    return (stub_.get()->*method)(&ctx, request, &response);
  }

  FakeClock clock_;
  State state_;
  FakeAlertAdmin fake_;
  AdminService service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<vigie::v1::Admin::Stub> stub_;
};

TEST_F(AlertAdminServiceTest, ListAlertsFillsEveryField) {
  AlertView firing{MakeAlert("DiskFull", AlertState::kFiring, "db1"), std::nullopt};
  firing.muted = routing::MuteReason{routing::MuteReason::Kind::kSilence,
                                     "0123456789abcdef0123456789abcdef", "disk swap"};
  firing.alert.flapping = true;
  fake_.alerts = {firing};
  vigie::v1::ListAlertsResponse response;
  ASSERT_TRUE(ListAlerts("", response).ok());
  ASSERT_EQ(response.alerts_size(), 1);
  const vigie::v1::Alert& a = response.alerts(0);
  EXPECT_EQ(a.name(), "DiskFull");
  EXPECT_EQ(a.group(), "node");
  ASSERT_EQ(a.labels_size(), 3);
  EXPECT_EQ(a.labels(1).name(), "host");
  EXPECT_EQ(a.labels(1).value(), "db1");
  EXPECT_EQ(a.annotations().at("summary"), "DiskFull on db1");
  EXPECT_EQ(a.state(), "firing");
  EXPECT_EQ(a.value(), 93.5);
  EXPECT_EQ(a.active_at_ms(), kStart - 600'000);
  EXPECT_EQ(a.fired_at_ms(), kStart - 300'000);
  EXPECT_EQ(a.resolved_at_ms(), 0);
  EXPECT_TRUE(a.flapping());
  EXPECT_EQ(a.fingerprint(), "0dac1e79653571b3");
  EXPECT_EQ(a.muted_by_kind(), "silence");
  EXPECT_EQ(a.muted_by_id(), "0123456789abcdef0123456789abcdef");
  EXPECT_EQ(a.muted_detail(), "disk swap");
}

TEST_F(AlertAdminServiceTest, ListAlertsPadsTheFingerprintAndLeavesUnmutedEmpty) {
  AlertView view{MakeAlert("HostDown", AlertState::kPending, "web1"), std::nullopt};
  view.alert.fingerprint = 0xab;
  fake_.alerts = {view};
  vigie::v1::ListAlertsResponse response;
  ASSERT_TRUE(ListAlerts("", response).ok());
  ASSERT_EQ(response.alerts_size(), 1);
  EXPECT_EQ(response.alerts(0).fingerprint(), "00000000000000ab");
  EXPECT_EQ(response.alerts(0).state(), "pending");
  EXPECT_EQ(response.alerts(0).muted_by_kind(), "");
  EXPECT_EQ(response.alerts(0).muted_by_id(), "");
}

TEST_F(AlertAdminServiceTest, ListAlertsFiltersByState) {
  AlertView firing{MakeAlert("A", AlertState::kFiring, "h1"), std::nullopt};
  AlertView pending{MakeAlert("B", AlertState::kPending, "h2"), std::nullopt};
  AlertView resolved{MakeAlert("C", AlertState::kResolved, "h3"), std::nullopt};
  AlertView flapping{MakeAlert("D", AlertState::kFiring, "h4"), std::nullopt};
  flapping.alert.flapping = true;
  fake_.alerts = {firing, pending, resolved, flapping};
  auto names = [&](const std::string& state) {
    vigie::v1::ListAlertsResponse response;
    grpc::Status st = ListAlerts(state, response);
    EXPECT_TRUE(st.ok()) << st.error_message();
    std::vector<std::string> out;
    for (const auto& a : response.alerts()) out.push_back(a.name());
    return out;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(names(""), (V{"A", "B", "C", "D"}));
  EXPECT_EQ(names("firing"), (V{"A", "D"}));
  EXPECT_EQ(names("pending"), (V{"B"}));
  EXPECT_EQ(names("resolved"), (V{"C"}));
  EXPECT_EQ(names("flapping"), (V{"D"}));

  vigie::v1::ListAlertsResponse response;
  grpc::Status st = ListAlerts("inactive", response);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(st.error_message(), testing::HasSubstr("\"inactive\""));
}

TEST_F(AlertAdminServiceTest, AddSilenceParsesMatchersAndRecordsTheActor) {
  vigie::v1::AddSilenceRequest request =
      SilenceRequest({"host=db1", "alertname=~Disk.*", "env!=\"staging\""});
  vigie::v1::AddSilenceResponse response;
  grpc::Status st = AddSilence(request, response);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(response.id(), "0123456789abcdef0123456789abcdef");

  ASSERT_TRUE(fake_.added.has_value());
  const routing::Silence& s = *fake_.added;
  ASSERT_EQ(s.matchers.size(), 3u);
  EXPECT_EQ(s.matchers[0].ToString(), "host=\"db1\"");
  EXPECT_EQ(s.matchers[1].op(), MatchOp::kRegexMatch);
  EXPECT_TRUE(s.matchers[1].Matches("DiskFull"));
  EXPECT_EQ(s.matchers[2].op(), MatchOp::kNotEqual);
  EXPECT_EQ(s.matchers[2].value(), "staging");
  EXPECT_EQ(s.starts_at_ms, kStart);  // 0: now
  EXPECT_EQ(s.ends_at_ms, kStart + 2 * 3'600'000);
  EXPECT_EQ(s.comment, "disk swap");
  EXPECT_THAT(fake_.last_actor, testing::StartsWith("alice@laptop (ipv4:127.0.0.1:"));
  EXPECT_THAT(fake_.last_actor, testing::EndsWith(")"));
}

TEST_F(AlertAdminServiceTest, AddSilenceKeepsAFutureStartAndNamesAnUnknownActor) {
  vigie::v1::AddSilenceRequest request = SilenceRequest({"host=db1"});
  request.set_starts_at_ms(kStart + 60'000);
  request.clear_actor();
  vigie::v1::AddSilenceResponse response;
  ASSERT_TRUE(AddSilence(request, response).ok());
  ASSERT_TRUE(fake_.added.has_value());
  EXPECT_EQ(fake_.added->starts_at_ms, kStart + 60'000);
  EXPECT_THAT(fake_.last_actor, testing::StartsWith("unknown (ipv4:127.0.0.1:"));
}

TEST_F(AlertAdminServiceTest, AddSilenceRejectsBadRequests) {
  vigie::v1::AddSilenceResponse response;
  grpc::Status st = AddSilence(SilenceRequest({"host=db1", "alertname=~(Disk"}), response);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(st.error_message(), testing::HasSubstr("matcher 2 \"alertname=~(Disk\""));

  st = AddSilence(SilenceRequest({"=db1"}), response);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(st.error_message(), testing::HasSubstr("matcher 1 \"=db1\""));

  st = AddSilence(SilenceRequest({}), response);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(st.error_message(), testing::HasSubstr("at least one matcher"));

  vigie::v1::AddSilenceRequest request = SilenceRequest({"host=db1"});
  request.clear_comment();
  st = AddSilence(request, response);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(st.error_message(), testing::HasSubstr("\"comment\""));

  request = SilenceRequest({"host=db1"});
  request.clear_ends_at_ms();
  st = AddSilence(request, response);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(st.error_message(), testing::HasSubstr("\"ends_at_ms\""));
  EXPECT_FALSE(fake_.added.has_value());  // none reached AlertAdmin

  // AlertAdmin's own validation comes back code for code.
  fake_.add_result = absl::InvalidArgumentError("a silence must end after it starts");
  st = AddSilence(SilenceRequest({"host=db1"}), response);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(st.error_message(), "a silence must end after it starts");
  fake_.add_result = absl::InternalError("disk I/O error");
  st = AddSilence(SilenceRequest({"host=db1"}), response);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_EQ(st.error_message(), "disk I/O error");
}

TEST_F(AlertAdminServiceTest, ListSilencesPassesTheStateAndComputesEach) {
  fake_.silences = {MakeSilence("aa", kStart - 60'000, kStart + 60'000),
                    MakeSilence("bb", kStart + 60'000, kStart + 120'000),
                    MakeSilence("cc", kStart - 120'000, kStart - 60'000)};
  vigie::v1::ListSilencesResponse response;
  ASSERT_TRUE(ListSilences("", response).ok());
  EXPECT_FALSE(fake_.listed_state.has_value());
  ASSERT_EQ(response.silences_size(), 3);
  const vigie::v1::Silence& s = response.silences(0);
  EXPECT_EQ(s.id(), "aa");
  ASSERT_EQ(s.matchers_size(), 2);
  EXPECT_EQ(s.matchers(0), "host=\"db1\"");
  EXPECT_EQ(s.matchers(1), "alertname=~\"Disk.*\"");
  EXPECT_EQ(s.starts_at_ms(), kStart - 60'000);
  EXPECT_EQ(s.ends_at_ms(), kStart + 60'000);
  EXPECT_EQ(s.created_by(), "alice@laptop (ipv4:127.0.0.1:5000)");
  EXPECT_EQ(s.comment(), "disk swap");
  EXPECT_EQ(s.created_at_ms(), kStart - 1'000);
  EXPECT_EQ(s.updated_at_ms(), kStart - 500);
  EXPECT_EQ(s.state(), "active");
  EXPECT_EQ(response.silences(1).state(), "pending");
  EXPECT_EQ(response.silences(2).state(), "expired");

  response.Clear();
  ASSERT_TRUE(ListSilences("expired", response).ok());
  EXPECT_EQ(fake_.listed_state, routing::SilenceState::kExpired);

  grpc::Status st = ListSilences("gone", response);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(st.error_message(), testing::HasSubstr("\"gone\""));
}

TEST_F(AlertAdminServiceTest, ExpireSilenceMapsTheStatus) {
  grpc::Status st = Expire("aa", "bob@ops");
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(fake_.expired_id, "aa");
  EXPECT_THAT(fake_.last_actor, testing::StartsWith("bob@ops (ipv4:127.0.0.1:"));

  fake_.expire_result = absl::NotFoundError("no silence with id \"zz\"");
  st = Expire("zz", "bob@ops");
  EXPECT_EQ(st.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(st.error_message(), "no silence with id \"zz\"");

  fake_.expire_result = absl::FailedPreconditionError("silence aa has already expired");
  st = Expire("aa", "bob@ops");
  EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION);

  fake_.expired_id.clear();
  st = Expire("", "bob@ops");
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(st.error_message(), testing::HasSubstr("\"id\""));
  EXPECT_EQ(fake_.expired_id, "");  // never reached AlertAdmin
}

TEST_F(AlertAdminServiceTest, ReloadReturnsWhatWasLoadedOrTheErrors) {
  fake_.reload_result = ReloadResult{"/etc/vigie/vigied.yml", 42, 3};
  grpc::ClientContext ctx;
  vigie::v1::ReloadRequest request;
  request.set_actor("carol@admin");
  vigie::v1::ReloadResponse response;
  ASSERT_TRUE(stub_->Reload(&ctx, request, &response).ok());
  EXPECT_EQ(response.config_file(), "/etc/vigie/vigied.yml");
  EXPECT_EQ(response.rules(), 42u);
  EXPECT_EQ(response.receivers(), 3u);
  EXPECT_THAT(fake_.last_actor, testing::StartsWith("carol@admin (ipv4:127.0.0.1:"));

  fake_.reload_result =
      absl::InvalidArgumentError("/etc/vigie/vigied.yml:12: unknown key \"recievers\"");
  grpc::ClientContext ctx2;
  grpc::Status st = stub_->Reload(&ctx2, request, &response);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(st.error_message(), "/etc/vigie/vigied.yml:12: unknown key \"recievers\"");
}

TEST_F(AlertAdminServiceTest, ListAuditAppliesTheLimitAndCopiesEntries) {
  fake_.audit_result = std::vector<AuditRecord>{
      {2, kStart, "bob@ops (ipv4:127.0.0.1:1)", "silence.expire", "aa", "expired"},
      {1, kStart - 1'000, "alice@laptop (ipv4:127.0.0.1:2)", "silence.add", "aa", "host=\"db1\""}};
  vigie::v1::ListAuditResponse response;
  ASSERT_TRUE(ListAudit(0, response).ok());
  EXPECT_EQ(fake_.audit_limit, 100u);  // default
  ASSERT_EQ(response.entries_size(), 2);
  const vigie::v1::AuditEntry& e = response.entries(0);
  EXPECT_EQ(e.at_ms(), kStart);
  EXPECT_EQ(e.actor(), "bob@ops (ipv4:127.0.0.1:1)");
  EXPECT_EQ(e.action(), "silence.expire");
  EXPECT_EQ(e.object(), "aa");
  EXPECT_EQ(e.detail(), "expired");
  EXPECT_EQ(response.entries(1).action(), "silence.add");

  response.Clear();
  ASSERT_TRUE(ListAudit(5, response).ok());
  EXPECT_EQ(fake_.audit_limit, 5u);
  ASSERT_TRUE(ListAudit(1'000'000, response).ok());
  EXPECT_EQ(fake_.audit_limit, 10'000u);  // capped

  fake_.audit_result = absl::UnavailableError("database is locked");
  grpc::Status st = ListAudit(5, response);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(st.error_message(), "database is locked");
}

void ExpectEveryIncidentField(const vigie::v1::Incident& i) {
  EXPECT_EQ(i.id(), 42);
  EXPECT_EQ(i.group_key(), "{}:{alertname=\"DiskFull\"}");
  EXPECT_EQ(i.title(), "DiskFull on db1");
  EXPECT_EQ(i.source(), "alert");
  EXPECT_EQ(i.reported_by(), "nobody");
  EXPECT_EQ(i.service(), "storage");
  EXPECT_EQ(i.severity(), "critical");
  EXPECT_EQ(i.host(), "db1");
  EXPECT_EQ(i.rule(), "DiskFull");
  ASSERT_EQ(i.labels_size(), 2);
  EXPECT_EQ(i.labels(0).name(), "alertname");
  EXPECT_EQ(i.labels(0).value(), "DiskFull");
  EXPECT_EQ(i.labels(1).name(), "host");
  EXPECT_EQ(i.labels(1).value(), "db1");
  EXPECT_EQ(i.state(), "acknowledged");
  EXPECT_EQ(i.opened_ms(), kStart - 600'000);
  EXPECT_EQ(i.acked_ms(), kStart - 408'000);
  EXPECT_EQ(i.acked_by(), "alice");
  EXPECT_EQ(i.resolved_ms(), kStart - 60'000);
  EXPECT_EQ(i.resolved_by(), "bob");
  EXPECT_EQ(i.assignee(), "carol");
  EXPECT_EQ(i.cause(), "disk-full");
  EXPECT_EQ(i.owner(), "internal");
  EXPECT_EQ(i.policy(), "storage-oncall");
  EXPECT_EQ(i.step(), 2);
  EXPECT_EQ(i.round(), 1);
  EXPECT_EQ(i.next_step_ms(), kStart + 300'000);
  // escalation_json is not exposed: no field carries it.
  std::string wire;
  ASSERT_TRUE(i.SerializeToString(&wire));
  EXPECT_EQ(wire.find("delayed"), std::string::npos);
}

TEST_F(AlertAdminServiceTest, ListIncidentsMapsEveryFieldAndTheQuery) {
  fake_.incidents_result = std::vector<IncidentRecord>{MakeIncident(42), MakeIncident(41)};
  vigie::v1::ListIncidentsRequest request;
  request.set_from_ms(kStart - 86'400'000);
  request.set_to_ms(kStart);
  request.set_open_only(true);
  request.set_limit(20);
  vigie::v1::ListIncidentsResponse response;
  grpc::Status st = ListIncidents(request, response);
  ASSERT_TRUE(st.ok()) << st.error_message();
  ASSERT_EQ(response.incidents_size(), 2);
  ExpectEveryIncidentField(response.incidents(0));
  EXPECT_EQ(response.incidents(1).id(), 41);  // vigied's order kept
  ASSERT_TRUE(fake_.incident_query.has_value());
  EXPECT_EQ(fake_.incident_query->from_ms, kStart - 86'400'000);
  EXPECT_EQ(fake_.incident_query->to_ms, kStart);
  EXPECT_TRUE(fake_.incident_query->open_only);
  EXPECT_EQ(fake_.incident_query->limit, 20u);
}

TEST_F(AlertAdminServiceTest, ListIncidentsDefaultsBoundsAndCapsTheLimit) {
  vigie::v1::ListIncidentsResponse response;
  ASSERT_TRUE(ListIncidents({}, response).ok());
  ASSERT_TRUE(fake_.incident_query.has_value());
  EXPECT_EQ(fake_.incident_query->from_ms, 0);
  EXPECT_EQ(fake_.incident_query->to_ms, std::numeric_limits<int64_t>::max());  // 0: no bound
  EXPECT_FALSE(fake_.incident_query->open_only);
  EXPECT_EQ(fake_.incident_query->limit, 100u);  // default
  EXPECT_EQ(response.incidents_size(), 0);

  vigie::v1::ListIncidentsRequest request;
  request.set_limit(1'000'000);
  ASSERT_TRUE(ListIncidents(request, response).ok());
  EXPECT_EQ(fake_.incident_query->limit, 10'000u);  // capped
}

TEST_F(AlertAdminServiceTest, ListIncidentsRejectsAnEmptyRangeAndMapsErrors) {
  fake_.incident_query.reset();
  vigie::v1::ListIncidentsRequest request;
  request.set_from_ms(kStart);
  request.set_to_ms(kStart);
  vigie::v1::ListIncidentsResponse response;
  grpc::Status st = ListIncidents(request, response);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(st.error_message(), testing::HasSubstr("to_ms"));
  EXPECT_FALSE(fake_.incident_query.has_value());  // never reached AlertAdmin

  fake_.incidents_result = absl::UnavailableError("database is locked");
  st = ListIncidents({}, response);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(st.error_message(), "database is locked");
}

TEST_F(AlertAdminServiceTest, GetIncidentReturnsTheIncidentAndItsTimeline) {
  fake_.incident_result = MakeIncident(42);
  fake_.timeline_result = std::vector<TimelineRecord>{
      {42, kStart - 600'000, "triggered", "vigied", "DiskFull on db1"},
      {42, kStart - 408'000, "acknowledged", "alice@laptop (ipv4:127.0.0.1:1)", "on it"}};
  vigie::v1::IncidentDetail response;
  grpc::Status st = GetIncident(42, response);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(fake_.got_incident_id, 42);
  EXPECT_EQ(fake_.timeline_id, 42);
  ExpectEveryIncidentField(response.incident());
  ASSERT_EQ(response.timeline_size(), 2);
  const vigie::v1::TimelineEntry& e = response.timeline(1);
  EXPECT_EQ(e.at_ms(), kStart - 408'000);
  EXPECT_EQ(e.kind(), "acknowledged");
  EXPECT_EQ(e.actor(), "alice@laptop (ipv4:127.0.0.1:1)");
  EXPECT_EQ(e.detail(), "on it");
  EXPECT_EQ(response.timeline(0).kind(), "triggered");
}

TEST_F(AlertAdminServiceTest, GetIncidentMapsErrors) {
  vigie::v1::IncidentDetail response;
  grpc::Status st = GetIncident(0, response);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(st.error_message(), testing::HasSubstr("\"id\""));
  EXPECT_EQ(fake_.got_incident_id, 0);  // never reached AlertAdmin

  fake_.incident_result = absl::NotFoundError("no incident 7");
  st = GetIncident(7, response);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(st.error_message(), "no incident 7");

  fake_.incident_result = MakeIncident(7);
  fake_.timeline_result = absl::InternalError("disk I/O error");
  st = GetIncident(7, response);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_EQ(st.error_message(), "disk I/O error");
}

TEST_F(AlertAdminServiceTest, ActOnIncidentMapsEachActionAndTheActor) {
  using V1 = vigie::v1::IncidentActionRequest;
  using Action = AlertAdmin::IncidentAction;
  fake_.act_result = MakeIncident(42);
  for (const auto& [v1, action] :
       std::vector<std::pair<V1::Action, Action>>{{V1::ACK, Action::kAcknowledge},
                                                  {V1::UNACK, Action::kUnacknowledge},
                                                  {V1::RESOLVE, Action::kResolve},
                                                  {V1::REASSIGN, Action::kReassign},
                                                  {V1::COMMENT, Action::kComment}}) {
    V1 request;
    request.set_id(42);
    request.set_action(v1);
    request.set_actor("alice@laptop");
    request.set_comment("on it");
    request.set_user("bob");
    request.set_cause("disk-full");
    request.set_owner("internal");
    vigie::v1::Incident response;
    fake_.acted.reset();
    grpc::Status st = Act(request, response);
    ASSERT_TRUE(st.ok()) << V1::Action_Name(v1) << ": " << st.error_message();
    ExpectEveryIncidentField(response);
    ASSERT_TRUE(fake_.acted.has_value()) << V1::Action_Name(v1);
    EXPECT_EQ(fake_.acted->id, 42);
    EXPECT_EQ(fake_.acted->action, action) << V1::Action_Name(v1);
    EXPECT_THAT(fake_.acted->actor, testing::StartsWith("alice@laptop (ipv4:127.0.0.1:"));
    EXPECT_THAT(fake_.acted->actor, testing::EndsWith(")"));
    EXPECT_EQ(fake_.acted->comment, "on it");
    EXPECT_EQ(fake_.acted->user, "bob");
    EXPECT_EQ(fake_.acted->cause, "disk-full");
    EXPECT_EQ(fake_.acted->owner, "internal");
  }

  V1 request;  // no actor
  request.set_id(42);
  request.set_action(V1::ACK);
  vigie::v1::Incident response;
  ASSERT_TRUE(Act(request, response).ok());
  EXPECT_THAT(fake_.acted->actor, testing::StartsWith("unknown (ipv4:127.0.0.1:"));
}

TEST_F(AlertAdminServiceTest, ActOnIncidentRejectsBadRequests) {
  using V1 = vigie::v1::IncidentActionRequest;
  auto act = [&](int64_t id, int action, const std::string& user, const std::string& comment) {
    V1 request;
    request.set_id(id);
    request.set_action(static_cast<V1::Action>(action));
    request.set_user(user);
    request.set_comment(comment);
    vigie::v1::Incident response;
    return Act(request, response);
  };
  struct Case {
    grpc::Status status;
    std::string message;
  };
  for (const Case& c : std::vector<Case>{
           {act(0, V1::ACK, "", ""), "\"id\""},
           {act(42, V1::ACTION_UNSPECIFIED, "", ""), "\"action\""},
           {act(42, 99, "", ""), "unknown action 99"},
           {act(42, V1::REASSIGN, "", "x"), "\"user\""},
           {act(42, V1::COMMENT, "bob", ""), "\"comment\""},
       }) {
    EXPECT_EQ(c.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << c.message;
    EXPECT_THAT(c.status.error_message(), testing::HasSubstr(c.message));
  }
  EXPECT_FALSE(fake_.acted.has_value());  // none reached AlertAdmin
}

TEST_F(AlertAdminServiceTest, ActOnIncidentMapsAlertAdminErrorsCodeForCode) {
  using V1 = vigie::v1::IncidentActionRequest;
  V1 request;
  request.set_id(42);
  request.set_action(V1::ACK);
  vigie::v1::Incident response;
  for (const absl::Status& error :
       {absl::NotFoundError("no open incident 42"),
        absl::FailedPreconditionError("incident 42 is already acknowledged"),
        absl::InvalidArgumentError("unknown user \"zed\"")}) {
    fake_.act_result = error;
    grpc::Status st = Act(request, response);
    EXPECT_EQ(static_cast<int>(st.error_code()), static_cast<int>(error.code()));
    EXPECT_EQ(st.error_message(), error.message());
  }
}

using Stub = vigie::v1::Admin::Stub;

vigie::v1::OpenIncidentRequest OpenRequest() {
  vigie::v1::OpenIncidentRequest request;
  request.set_title("ERP is slow");
  request.set_service("erp");
  request.set_severity("critical");
  request.set_reported_by("Mme Martin (accounting)");
  request.set_actor("alice@laptop");
  return request;
}

TEST_F(AlertAdminServiceTest, OpenIncidentMapsTheRequestAndReturnsTheIncident) {
  fake_.open_result = MakeIncident(42);
  vigie::v1::Incident response;
  grpc::Status st = Call(&Stub::OpenIncident, OpenRequest(), response);
  ASSERT_TRUE(st.ok()) << st.error_message();
  ExpectEveryIncidentField(response);
  ASSERT_TRUE(fake_.opened.has_value());
  EXPECT_EQ(fake_.opened->title, "ERP is slow");
  EXPECT_EQ(fake_.opened->service, "erp");
  EXPECT_EQ(fake_.opened->severity, "critical");
  EXPECT_EQ(fake_.opened->reported_by, "Mme Martin (accounting)");
  EXPECT_THAT(fake_.opened->actor, testing::StartsWith("alice@laptop (ipv4:127.0.0.1:"));
  EXPECT_THAT(fake_.opened->actor, testing::EndsWith(")"));

  vigie::v1::OpenIncidentRequest request = OpenRequest();  // no severity, no actor
  request.clear_severity();
  request.clear_actor();
  ASSERT_TRUE(Call(&Stub::OpenIncident, request, response).ok());
  EXPECT_EQ(fake_.opened->severity, "warning");
  EXPECT_THAT(fake_.opened->actor, testing::StartsWith("unknown (ipv4:127.0.0.1:"));
}

TEST_F(AlertAdminServiceTest, OpenIncidentRejectsBadRequestsAndMapsErrors) {
  auto open = [&](void (*change)(vigie::v1::OpenIncidentRequest&)) {
    vigie::v1::OpenIncidentRequest request = OpenRequest();
    change(request);
    vigie::v1::Incident response;
    return Call(&Stub::OpenIncident, request, response);
  };
  struct Case {
    grpc::Status status;
    std::string message;
  };
  for (const Case& c : std::vector<Case>{
           {open([](auto& r) { r.clear_title(); }), "field \"title\" is required"},
           {open([](auto& r) { r.clear_service(); }), "field \"service\" is required"},
           {open([](auto& r) { r.clear_reported_by(); }), "field \"reported_by\" is required"},
           {open([](auto& r) { r.set_severity("page"); }), "unknown severity \"page\""},
       }) {
    EXPECT_EQ(c.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << c.message;
    EXPECT_THAT(c.status.error_message(), testing::HasSubstr(c.message));
  }
  EXPECT_FALSE(fake_.opened.has_value());  // none reached AlertAdmin

  fake_.open_result = absl::UnavailableError("database is locked");
  vigie::v1::Incident response;
  grpc::Status st = Call(&Stub::OpenIncident, OpenRequest(), response);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(st.error_message(), "database is locked");
}

TEST_F(AlertAdminServiceTest, WhoIsOnCallMapsUsersAndGaps) {
  fake_.who_result = std::vector<AlertAdmin::OnCallNow>{{"ops", "alice", kStart + 3'600'000},
                                                        {"dba", std::nullopt, 0}};
  vigie::v1::WhoIsOnCallRequest request;
  request.set_schedule("ops");
  request.set_at_ms(kStart - 1'000);
  vigie::v1::WhoIsOnCallResponse response;
  grpc::Status st = Call(&Stub::WhoIsOnCall, request, response);
  ASSERT_TRUE(st.ok()) << st.error_message();
  ASSERT_TRUE(fake_.who_asked.has_value());
  EXPECT_EQ(fake_.who_asked->first, "ops");
  EXPECT_EQ(fake_.who_asked->second, kStart - 1'000);
  ASSERT_EQ(response.on_call_size(), 2);
  EXPECT_EQ(response.on_call(0).schedule(), "ops");
  EXPECT_EQ(response.on_call(0).user(), "alice");
  EXPECT_EQ(response.on_call(0).until_ms(), kStart + 3'600'000);
  EXPECT_EQ(response.on_call(1).schedule(), "dba");
  EXPECT_EQ(response.on_call(1).user(), "");  // a gap
  EXPECT_EQ(response.on_call(1).until_ms(), 0);
}

TEST_F(AlertAdminServiceTest, WhoIsOnCallAtZeroIsNowAndMapsErrors) {
  vigie::v1::WhoIsOnCallResponse response;
  ASSERT_TRUE(Call(&Stub::WhoIsOnCall, vigie::v1::WhoIsOnCallRequest(), response).ok());
  ASSERT_TRUE(fake_.who_asked.has_value());
  EXPECT_EQ(fake_.who_asked->first, "");       // every schedule
  EXPECT_EQ(fake_.who_asked->second, kStart);  // the service's clock

  fake_.who_result = absl::InvalidArgumentError("unknown schedule \"nope\"");
  vigie::v1::WhoIsOnCallRequest request;
  request.set_schedule("nope");
  grpc::Status st = Call(&Stub::WhoIsOnCall, request, response);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(st.error_message(), "unknown schedule \"nope\"");
}

TEST_F(AlertAdminServiceTest, RenderScheduleMapsTheShifts) {
  fake_.render_result = std::vector<oncall::Shift>{
      {"alice", kStart, kStart + 7 * 86'400'000, "layer:primary"},
      {"bob", kStart + 7 * 86'400'000, kStart + 8 * 86'400'000, "override:ov-1"}};
  vigie::v1::RenderScheduleRequest request;
  request.set_schedule("ops");
  request.set_from_ms(kStart);
  request.set_to_ms(kStart + 8 * 86'400'000);
  vigie::v1::RenderScheduleResponse response;
  grpc::Status st = Call(&Stub::RenderSchedule, request, response);
  ASSERT_TRUE(st.ok()) << st.error_message();
  ASSERT_TRUE(fake_.rendered.has_value());
  EXPECT_EQ(fake_.rendered->schedule, "ops");
  EXPECT_EQ(fake_.rendered->from_ms, kStart);
  EXPECT_EQ(fake_.rendered->to_ms, kStart + 8 * 86'400'000);
  ASSERT_EQ(response.shifts_size(), 2);
  EXPECT_EQ(response.shifts(0).user(), "alice");
  EXPECT_EQ(response.shifts(0).start_ms(), kStart);
  EXPECT_EQ(response.shifts(0).end_ms(), kStart + 7 * 86'400'000);
  EXPECT_EQ(response.shifts(0).source(), "layer:primary");
  EXPECT_EQ(response.shifts(1).user(), "bob");
  EXPECT_EQ(response.shifts(1).source(), "override:ov-1");
}

TEST_F(AlertAdminServiceTest, RenderScheduleRejectsBadRequestsAndMapsErrors) {
  auto render = [&](const std::string& schedule, int64_t from_ms, int64_t to_ms) {
    vigie::v1::RenderScheduleRequest request;
    request.set_schedule(schedule);
    request.set_from_ms(from_ms);
    request.set_to_ms(to_ms);
    vigie::v1::RenderScheduleResponse response;
    return Call(&Stub::RenderSchedule, request, response);
  };
  grpc::Status st = render("", kStart, kStart + 1);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(st.error_message(), testing::HasSubstr("\"schedule\""));
  st = render("ops", kStart, kStart);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(st.error_message(), testing::HasSubstr("to_ms"));
  st = render("ops", kStart, 0);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_FALSE(fake_.rendered.has_value());  // none reached AlertAdmin

  fake_.render_result = absl::InvalidArgumentError("unknown schedule \"nope\"");
  st = render("nope", kStart, kStart + 1);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(st.error_message(), "unknown schedule \"nope\"");
}

vigie::v1::AddOverrideRequest OverrideRequest() {
  vigie::v1::AddOverrideRequest request;
  request.set_schedule("ops");
  request.set_user("bob");
  request.set_start_ms(kStart);
  request.set_end_ms(kStart + 3'600'000);
  request.set_reason("swap with alice");
  request.set_actor("alice@laptop");
  return request;
}

TEST_F(AlertAdminServiceTest, AddOverrideMapsTheRequestAndReturnsTheId) {
  vigie::v1::AddOverrideResponse response;
  grpc::Status st = Call(&Stub::AddOverride, OverrideRequest(), response);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(response.id(), "ov-1");
  ASSERT_TRUE(fake_.override_added.has_value());
  EXPECT_EQ(fake_.override_added->schedule, "ops");
  EXPECT_EQ(fake_.override_added->user, "bob");
  EXPECT_EQ(fake_.override_added->start_ms, kStart);
  EXPECT_EQ(fake_.override_added->end_ms, kStart + 3'600'000);
  EXPECT_EQ(fake_.override_added->reason, "swap with alice");
  EXPECT_THAT(fake_.override_added->actor, testing::StartsWith("alice@laptop (ipv4:127.0.0.1:"));
  EXPECT_THAT(fake_.override_added->actor, testing::EndsWith(")"));
}

TEST_F(AlertAdminServiceTest, AddOverrideRejectsBadRequestsAndMapsErrors) {
  auto add = [&](void (*change)(vigie::v1::AddOverrideRequest&)) {
    vigie::v1::AddOverrideRequest request = OverrideRequest();
    change(request);
    vigie::v1::AddOverrideResponse response;
    return Call(&Stub::AddOverride, request, response);
  };
  struct Case {
    grpc::Status status;
    std::string message;
  };
  for (const Case& c : std::vector<Case>{
           {add([](auto& r) { r.clear_schedule(); }), "field \"schedule\" is required"},
           {add([](auto& r) { r.clear_user(); }), "field \"user\" is required"},
           {add([](auto& r) { r.set_end_ms(r.start_ms()); }), "end_ms"},
           {add([](auto& r) { r.clear_end_ms(); }), "must be after start_ms"},
       }) {
    EXPECT_EQ(c.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << c.message;
    EXPECT_THAT(c.status.error_message(), testing::HasSubstr(c.message));
  }
  EXPECT_FALSE(fake_.override_added.has_value());  // none reached AlertAdmin

  fake_.add_override_result = absl::InvalidArgumentError("unknown user \"zed\"");
  vigie::v1::AddOverrideResponse response;
  grpc::Status st = Call(&Stub::AddOverride, OverrideRequest(), response);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(st.error_message(), "unknown user \"zed\"");
}

TEST_F(AlertAdminServiceTest, ListOverridesMapsEveryField) {
  oncall::Override o;
  o.id = "ov-1";
  o.schedule = "ops";
  o.user = "bob";
  o.start_ms = kStart;
  o.end_ms = kStart + 3'600'000;
  o.created_by = "alice@laptop (ipv4:127.0.0.1:1)";
  o.reason = "swap with alice";
  o.created_at_ms = kStart - 60'000;
  fake_.overrides_result = std::vector<oncall::Override>{o};
  vigie::v1::ListOverridesRequest request;
  request.set_schedule("ops");
  vigie::v1::ListOverridesResponse response;
  grpc::Status st = Call(&Stub::ListOverrides, request, response);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(fake_.overrides_schedule, "ops");
  ASSERT_EQ(response.overrides_size(), 1);
  const vigie::v1::Override& r = response.overrides(0);
  EXPECT_EQ(r.id(), "ov-1");
  EXPECT_EQ(r.schedule(), "ops");
  EXPECT_EQ(r.user(), "bob");
  EXPECT_EQ(r.start_ms(), kStart);
  EXPECT_EQ(r.end_ms(), kStart + 3'600'000);
  EXPECT_EQ(r.created_by(), "alice@laptop (ipv4:127.0.0.1:1)");
  EXPECT_EQ(r.reason(), "swap with alice");
  EXPECT_EQ(r.created_at_ms(), kStart - 60'000);

  fake_.overrides_result = absl::InvalidArgumentError("unknown schedule \"nope\"");
  st = Call(&Stub::ListOverrides, request, response);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(st.error_message(), "unknown schedule \"nope\"");
}

TEST_F(AlertAdminServiceTest, DeleteOverridePassesTheIdAndActorAndMapsErrors) {
  vigie::v1::DeleteOverrideRequest request;
  request.set_id("ov-1");
  request.set_actor("alice@laptop");
  vigie::v1::DeleteOverrideResponse response;
  grpc::Status st = Call(&Stub::DeleteOverride, request, response);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(fake_.deleted_override, "ov-1");
  EXPECT_THAT(fake_.last_actor, testing::StartsWith("alice@laptop (ipv4:127.0.0.1:"));

  fake_.delete_override_result = absl::NotFoundError("no override \"zz\"");
  request.set_id("zz");
  st = Call(&Stub::DeleteOverride, request, response);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(st.error_message(), "no override \"zz\"");

  fake_.deleted_override.reset();
  request.clear_id();
  st = Call(&Stub::DeleteOverride, request, response);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(st.error_message(), testing::HasSubstr("\"id\""));
  EXPECT_FALSE(fake_.deleted_override.has_value());  // never reached AlertAdmin
}

TEST_F(AlertAdminServiceTest, ReportPassesTheRangeAndFormatAndReturnsTheBody) {
  fake_.report_result = std::string("<html><body>report</body></html>\n");
  vigie::v1::IncidentReportRequest request;
  request.set_from_ms(kStart - 86'400'000);
  request.set_to_ms(kStart);
  request.set_format("html");
  vigie::v1::IncidentReportResponse response;
  grpc::Status st = Call(&Stub::Report, request, response);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(response.body(), "<html><body>report</body></html>\n");
  ASSERT_TRUE(fake_.reported.has_value());
  EXPECT_EQ(fake_.reported->from_ms, kStart - 86'400'000);
  EXPECT_EQ(fake_.reported->to_ms, kStart);
  EXPECT_EQ(fake_.reported->format, "html");

  request.clear_format();
  ASSERT_TRUE(Call(&Stub::Report, request, response).ok());
  EXPECT_EQ(fake_.reported->format, "table");  // the default
}

TEST_F(AlertAdminServiceTest, ReportRejectsAnEmptyRangeAndMapsErrors) {
  vigie::v1::IncidentReportRequest request;
  request.set_from_ms(kStart);
  request.set_to_ms(kStart);
  vigie::v1::IncidentReportResponse response;
  grpc::Status st = Call(&Stub::Report, request, response);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(st.error_message(), testing::HasSubstr("to_ms"));
  EXPECT_FALSE(fake_.reported.has_value());  // never reached AlertAdmin

  fake_.report_result = absl::InvalidArgumentError("unknown report format \"pdf\"");
  request.set_to_ms(kStart + 1);
  request.set_format("pdf");
  st = Call(&Stub::Report, request, response);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(st.error_message(), "unknown report format \"pdf\"");
}

}  // namespace
}  // namespace vigie::daemon
