// AdminClient: vigiectl's connection to vigied's Admin gRPC service. Each call
// is a blocking unary RPC bounded by the timeout; a gRPC failure comes back as
// the absl::Status of the same code and message (UNAVAILABLE when the daemon
// cannot be reached, DEADLINE_EXCEEDED when it did not answer in time).
//
// The generated gRPC stub stays inside client.cc, so this header only pulls in
// the (lighter) message types.
//
// Thread-safety: all methods may be called concurrently (gRPC stubs are).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "vigie/v1/admin.pb.h"

namespace vigie::cli {

class AdminClient {
 public:
  // Connects lazily (at the first call) to `server` ("host:port"), without TLS.
  AdminClient(const std::string& server, std::chrono::milliseconds timeout);
  ~AdminClient();
  AdminClient(const AdminClient&) = delete;
  AdminClient& operator=(const AdminClient&) = delete;

  absl::StatusOr<std::vector<vigie::v1::Host>> ListHosts();
  // NOT_FOUND when vigied knows no such host.
  absl::StatusOr<vigie::v1::Host> GetHost(const std::string& name);
  // Every series of `request.host()` named `request.metric()` whose labels
  // equal all of `request.matchers()`, sorted by labels.
  absl::StatusOr<std::vector<vigie::v1::SeriesData>> QuerySeries(
      const vigie::v1::QuerySeriesRequest& request);

  // Alerting; UNIMPLEMENTED when vigied runs without it.
  // `state`: "", "firing", "pending", "resolved" or "flapping".
  absl::StatusOr<std::vector<vigie::v1::Alert>> ListAlerts(const std::string& state);
  // The new silence's id.
  absl::StatusOr<std::string> AddSilence(const vigie::v1::AddSilenceRequest& request);
  // `state`: "", "active", "pending" or "expired".
  absl::StatusOr<std::vector<vigie::v1::Silence>> ListSilences(const std::string& state);
  absl::Status ExpireSilence(const std::string& id, const std::string& actor);
  // INVALID_ARGUMENT with file:line messages when the configuration is bad.
  absl::StatusOr<vigie::v1::ReloadResponse> Reload(const std::string& actor);
  // Newest first; `limit` 0 lets vigied choose.
  absl::StatusOr<std::vector<vigie::v1::AuditEntry>> ListAudit(uint32_t limit);

  // Incidents, newest first.
  absl::StatusOr<std::vector<vigie::v1::Incident>> ListIncidents(
      const vigie::v1::ListIncidentsRequest& request);
  // The incident and its timeline; NOT_FOUND for an unknown id.
  absl::StatusOr<vigie::v1::IncidentDetail> GetIncident(int64_t id);
  // The incident after the action.
  absl::StatusOr<vigie::v1::Incident> ActOnIncident(
      const vigie::v1::IncidentActionRequest& request);
  // The incident opened (reported by a person).
  absl::StatusOr<vigie::v1::Incident> OpenIncident(const vigie::v1::OpenIncidentRequest& request);

  // On-call: who is on call (one entry per schedule), a schedule's final
  // shifts, and its overrides.
  absl::StatusOr<std::vector<vigie::v1::OnCall>> WhoIsOnCall(
      const vigie::v1::WhoIsOnCallRequest& request);
  absl::StatusOr<std::vector<vigie::v1::Shift>> RenderSchedule(
      const vigie::v1::RenderScheduleRequest& request);
  // The new override's id.
  absl::StatusOr<std::string> AddOverride(const vigie::v1::AddOverrideRequest& request);
  // `schedule` "" for every schedule.
  absl::StatusOr<std::vector<vigie::v1::Override>> ListOverrides(const std::string& schedule);
  // NOT_FOUND for an unknown id.
  absl::Status DeleteOverride(const std::string& id, const std::string& actor);

  // The report as vigied rendered it.
  absl::StatusOr<std::string> Report(const vigie::v1::IncidentReportRequest& request);

 private:
  struct Stub;

  // Constant after construction.
  const std::chrono::milliseconds timeout_;
  const std::unique_ptr<Stub> stub_;
};

}  // namespace vigie::cli
