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

template <typename T>
std::vector<T> Take(google::protobuf::RepeatedPtrField<T>& field) {
  return std::vector<T>(std::make_move_iterator(field.begin()),
                        std::make_move_iterator(field.end()));
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

absl::StatusOr<std::vector<vigie::v1::Alert>> AdminClient::ListAlerts(const std::string& state) {
  vigie::v1::ListAlertsRequest request;
  request.set_state(state);
  auto response = stub_->Call<vigie::v1::ListAlertsRequest, vigie::v1::ListAlertsResponse>(
      &vigie::v1::Admin::Stub::ListAlerts, request, timeout_);
  if (!response.ok()) return response.status();
  return Take(*response->mutable_alerts());
}

absl::StatusOr<std::string> AdminClient::AddSilence(const vigie::v1::AddSilenceRequest& request) {
  auto response = stub_->Call<vigie::v1::AddSilenceRequest, vigie::v1::AddSilenceResponse>(
      &vigie::v1::Admin::Stub::AddSilence, request, timeout_);
  if (!response.ok()) return response.status();
  return response->id();
}

absl::StatusOr<std::vector<vigie::v1::Silence>> AdminClient::ListSilences(
    const std::string& state) {
  vigie::v1::ListSilencesRequest request;
  request.set_state(state);
  auto response = stub_->Call<vigie::v1::ListSilencesRequest, vigie::v1::ListSilencesResponse>(
      &vigie::v1::Admin::Stub::ListSilences, request, timeout_);
  if (!response.ok()) return response.status();
  return Take(*response->mutable_silences());
}

absl::Status AdminClient::ExpireSilence(const std::string& id, const std::string& actor) {
  vigie::v1::ExpireSilenceRequest request;
  request.set_id(id);
  request.set_actor(actor);
  return stub_
      ->Call<vigie::v1::ExpireSilenceRequest, vigie::v1::ExpireSilenceResponse>(
          &vigie::v1::Admin::Stub::ExpireSilence, request, timeout_)
      .status();
}

absl::StatusOr<vigie::v1::ReloadResponse> AdminClient::Reload(const std::string& actor) {
  vigie::v1::ReloadRequest request;
  request.set_actor(actor);
  return stub_->Call<vigie::v1::ReloadRequest, vigie::v1::ReloadResponse>(
      &vigie::v1::Admin::Stub::Reload, request, timeout_);
}

absl::StatusOr<std::vector<vigie::v1::AuditEntry>> AdminClient::ListAudit(uint32_t limit) {
  vigie::v1::ListAuditRequest request;
  request.set_limit(limit);
  auto response = stub_->Call<vigie::v1::ListAuditRequest, vigie::v1::ListAuditResponse>(
      &vigie::v1::Admin::Stub::ListAudit, request, timeout_);
  if (!response.ok()) return response.status();
  return Take(*response->mutable_entries());
}

absl::StatusOr<std::vector<vigie::v1::Incident>> AdminClient::ListIncidents(
    const vigie::v1::ListIncidentsRequest& request) {
  auto response = stub_->Call<vigie::v1::ListIncidentsRequest, vigie::v1::ListIncidentsResponse>(
      &vigie::v1::Admin::Stub::ListIncidents, request, timeout_);
  if (!response.ok()) return response.status();
  return Take(*response->mutable_incidents());
}

absl::StatusOr<vigie::v1::IncidentDetail> AdminClient::GetIncident(int64_t id) {
  vigie::v1::GetIncidentRequest request;
  request.set_id(id);
  return stub_->Call<vigie::v1::GetIncidentRequest, vigie::v1::IncidentDetail>(
      &vigie::v1::Admin::Stub::GetIncident, request, timeout_);
}

absl::StatusOr<vigie::v1::Incident> AdminClient::ActOnIncident(
    const vigie::v1::IncidentActionRequest& request) {
  return stub_->Call<vigie::v1::IncidentActionRequest, vigie::v1::Incident>(
      &vigie::v1::Admin::Stub::ActOnIncident, request, timeout_);
}

absl::StatusOr<vigie::v1::Incident> AdminClient::OpenIncident(
    const vigie::v1::OpenIncidentRequest& request) {
  return stub_->Call<vigie::v1::OpenIncidentRequest, vigie::v1::Incident>(
      &vigie::v1::Admin::Stub::OpenIncident, request, timeout_);
}

absl::StatusOr<std::vector<vigie::v1::OnCall>> AdminClient::WhoIsOnCall(
    const vigie::v1::WhoIsOnCallRequest& request) {
  auto response = stub_->Call<vigie::v1::WhoIsOnCallRequest, vigie::v1::WhoIsOnCallResponse>(
      &vigie::v1::Admin::Stub::WhoIsOnCall, request, timeout_);
  if (!response.ok()) return response.status();
  return Take(*response->mutable_on_call());
}

absl::StatusOr<std::vector<vigie::v1::Shift>> AdminClient::RenderSchedule(
    const vigie::v1::RenderScheduleRequest& request) {
  auto response = stub_->Call<vigie::v1::RenderScheduleRequest, vigie::v1::RenderScheduleResponse>(
      &vigie::v1::Admin::Stub::RenderSchedule, request, timeout_);
  if (!response.ok()) return response.status();
  return Take(*response->mutable_shifts());
}

absl::StatusOr<std::string> AdminClient::AddOverride(const vigie::v1::AddOverrideRequest& request) {
  auto response = stub_->Call<vigie::v1::AddOverrideRequest, vigie::v1::AddOverrideResponse>(
      &vigie::v1::Admin::Stub::AddOverride, request, timeout_);
  if (!response.ok()) return response.status();
  return std::move(*response->mutable_id());
}

absl::StatusOr<std::vector<vigie::v1::Override>> AdminClient::ListOverrides(
    const std::string& schedule) {
  vigie::v1::ListOverridesRequest request;
  request.set_schedule(schedule);
  auto response = stub_->Call<vigie::v1::ListOverridesRequest, vigie::v1::ListOverridesResponse>(
      &vigie::v1::Admin::Stub::ListOverrides, request, timeout_);
  if (!response.ok()) return response.status();
  return Take(*response->mutable_overrides());
}

absl::Status AdminClient::DeleteOverride(const std::string& id, const std::string& actor) {
  vigie::v1::DeleteOverrideRequest request;
  request.set_id(id);
  request.set_actor(actor);
  return stub_
      ->Call<vigie::v1::DeleteOverrideRequest, vigie::v1::DeleteOverrideResponse>(
          &vigie::v1::Admin::Stub::DeleteOverride, request, timeout_)
      .status();
}

absl::StatusOr<std::string> AdminClient::Report(const vigie::v1::IncidentReportRequest& request) {
  auto response = stub_->Call<vigie::v1::IncidentReportRequest, vigie::v1::IncidentReportResponse>(
      &vigie::v1::Admin::Stub::Report, request, timeout_);
  if (!response.ok()) return response.status();
  return std::move(*response->mutable_body());
}

}  // namespace vigie::cli
