#include "cli/client.h"

#include <utility>

#include "grpcpp/grpcpp.h"
#include "vigie/v1/admin.grpc.pb.h"

namespace vigie::cli {
namespace {

// gRPC and absl share their status codes, value for value.
absl::Status FromGrpc(const grpc::Status& status) {
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
}

}  // namespace

struct AdminClient::Stub {
  std::unique_ptr<vigie::v1::Admin::Stub> admin;

  // Runs one unary call with a deadline and converts its status.
  template <typename Request, typename Response, typename Method>
  absl::StatusOr<Response> Call(Method method, const Request& request,
                                std::chrono::milliseconds timeout) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + timeout);
    Response response;
    grpc::Status status = (admin.get()->*method)(&ctx, request, &response);
    if (!status.ok()) return FromGrpc(status);
    return response;
  }
};

AdminClient::AdminClient(const std::string& server, std::chrono::milliseconds timeout)
    : timeout_(timeout),
      stub_(std::make_unique<Stub>(Stub{vigie::v1::Admin::NewStub(
          grpc::CreateChannel(server, grpc::InsecureChannelCredentials()))})) {}

AdminClient::~AdminClient() = default;

absl::StatusOr<std::vector<vigie::v1::Host>> AdminClient::ListHosts() {
  auto response = stub_->Call<vigie::v1::ListHostsRequest, vigie::v1::ListHostsResponse>(
      &vigie::v1::Admin::Stub::ListHosts, vigie::v1::ListHostsRequest(), timeout_);
  if (!response.ok()) return response.status();
  return std::vector<vigie::v1::Host>(std::make_move_iterator(response->mutable_hosts()->begin()),
                                      std::make_move_iterator(response->mutable_hosts()->end()));
}

absl::StatusOr<vigie::v1::Host> AdminClient::GetHost(const std::string& name) {
  vigie::v1::GetHostRequest request;
  request.set_name(name);
  return stub_->Call<vigie::v1::GetHostRequest, vigie::v1::Host>(&vigie::v1::Admin::Stub::GetHost,
                                                                 request, timeout_);
}

absl::StatusOr<std::vector<vigie::v1::SeriesData>> AdminClient::QuerySeries(
    const vigie::v1::QuerySeriesRequest& request) {
  auto response = stub_->Call<vigie::v1::QuerySeriesRequest, vigie::v1::QuerySeriesResponse>(
      &vigie::v1::Admin::Stub::QuerySeries, request, timeout_);
  if (!response.ok()) return response.status();
  return std::vector<vigie::v1::SeriesData>(
      std::make_move_iterator(response->mutable_series()->begin()),
      std::make_move_iterator(response->mutable_series()->end()));
}

}  // namespace vigie::cli
