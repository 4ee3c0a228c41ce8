#include "cli/client.h"

#include <chrono>
#include <memory>
#include <string>

#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "vigie/v1/admin.grpc.pb.h"

namespace vigie::cli {
namespace {

// Canned answers: two hosts, NOT_FOUND for every GetHost, and a QuerySeries
// that echoes the request's matchers as the labels of one series.
class FakeAdmin final : public vigie::v1::Admin::Service {
 public:
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

}  // namespace
}  // namespace vigie::cli
