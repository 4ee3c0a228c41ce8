#include "daemon/admin/admin_service.h"

#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "daemon/state/state.h"
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

}  // namespace
}  // namespace vigie::daemon
