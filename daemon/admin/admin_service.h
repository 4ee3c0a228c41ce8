// AdminService: the administrator's gRPC API (proto/vigie/v1/admin.proto),
// served by vigied on the ingest port and used by vigiectl.
//
// Hosts and series (ListHosts, GetHost, QuerySeries) only read State: they
// answer from a copy taken under State's short per-host locks and never block.
//
// Alerting (ListAlerts, AddSilence, ListSilences, ExpireSilence, Reload,
// ListAudit, ListIncidents, GetIncident, ActOnIncident, OpenIncident), on-call
// (WhoIsOnCall, RenderSchedule, AddOverride, ListOverrides, DeleteOverride)
// and Report go through the optional AlertAdmin; without one these answer
// UNIMPLEMENTED "alerting is not enabled". The mutations (AddSilence,
// ExpireSilence, Reload, ActOnIncident, OpenIncident, AddOverride,
// DeleteOverride) run synchronously inside the reactor method and may block
// its gRPC thread briefly (a store commit, re-reading the configuration file);
// they never wait on the network. The actor handed to AlertAdmin (and so to the audit log) is
// `request.actor` ("unknown" when empty) followed by the peer address:
// "alice@laptop (ipv4:127.0.0.1:51234)".
//
// Errors:
//   GetHost       NOT_FOUND `no host named "x"`.
//   QuerySeries   INVALID_ARGUMENT naming the missing field (`host`, `metric`)
//                 or the bad matcher; NOT_FOUND for an unknown host.
//   ListAlerts    INVALID_ARGUMENT for a state other than firing, pending,
//                 resolved, flapping.
//   AddSilence    INVALID_ARGUMENT naming the bad matcher, or the missing
//                 matchers / ends_at_ms / comment, or AlertAdmin's validation.
//   ListSilences  INVALID_ARGUMENT for a state other than pending, active, expired.
//   ListIncidents INVALID_ARGUMENT when to_ms is set and not after from_ms.
//   GetIncident   INVALID_ARGUMENT for a missing id; then AlertAdmin's status.
//   ActOnIncident INVALID_ARGUMENT for a missing id or action, REASSIGN
//                 without user, COMMENT without comment; then AlertAdmin's
//                 status (NOT_FOUND, FAILED_PRECONDITION, INVALID_ARGUMENT).
//   OpenIncident  INVALID_ARGUMENT for a missing title, service or
//                 reported_by, or a severity other than critical, warning,
//                 info ("" is warning); then AlertAdmin's status.
//   WhoIsOnCall   at_ms 0 is now (State's clock); then AlertAdmin's status
//                 (INVALID_ARGUMENT for an unknown schedule).
//   RenderSchedule INVALID_ARGUMENT for a missing schedule or when to_ms is
//                 not after from_ms; then AlertAdmin's status.
//   AddOverride   INVALID_ARGUMENT for a missing schedule or user, or when
//                 end_ms is not after start_ms; then AlertAdmin's status.
//   DeleteOverride INVALID_ARGUMENT for a missing id; then AlertAdmin's status
//                 (NOT_FOUND for an unknown override).
//   Report        INVALID_ARGUMENT when to_ms is not after from_ms; format ""
//                 is "table"; then AlertAdmin's status (INVALID_ARGUMENT for
//                 an unknown format).
//   Others        AlertAdmin's absl status, code for code (NOT_FOUND for an
//                 unknown silence or incident, FAILED_PRECONDITION for an
//                 expired silence, Reload's INVALID_ARGUMENT with file:line
//                 messages...).
//
// Thread-safety: all methods may be called concurrently (State and AlertAdmin
// are thread-safe; the service holds no mutable state of its own).
#pragma once

#include <cstdint>

#include "vigie/v1/admin.grpc.pb.h"

namespace vigie::daemon {
namespace routing {
struct Silence;
}  // namespace routing
namespace oncall {
struct Override;
struct Shift;
}  // namespace oncall

class AlertAdmin;
class State;
struct AlertView;
struct HostStatus;
struct IncidentRecord;
struct TimelineRecord;

class AdminService final : public vigie::v1::Admin::CallbackService {
 public:
  // `state` and `alerts` must outlive the service (and the server that runs
  // it). `alerts` may be null: alerting is not enabled.
  explicit AdminService(const State& state, AlertAdmin* alerts = nullptr);

  // The generated base also declares the synchronous overloads; keep them
  // visible (-Woverloaded-virtual).
  using vigie::v1::Admin::CallbackService::ActOnIncident;
  using vigie::v1::Admin::CallbackService::AddOverride;
  using vigie::v1::Admin::CallbackService::AddSilence;
  using vigie::v1::Admin::CallbackService::DeleteOverride;
  using vigie::v1::Admin::CallbackService::ExpireSilence;
  using vigie::v1::Admin::CallbackService::GetHost;
  using vigie::v1::Admin::CallbackService::GetIncident;
  using vigie::v1::Admin::CallbackService::ListAlerts;
  using vigie::v1::Admin::CallbackService::ListAudit;
  using vigie::v1::Admin::CallbackService::ListHosts;
  using vigie::v1::Admin::CallbackService::ListIncidents;
  using vigie::v1::Admin::CallbackService::ListOverrides;
  using vigie::v1::Admin::CallbackService::ListSilences;
  using vigie::v1::Admin::CallbackService::OpenIncident;
  using vigie::v1::Admin::CallbackService::QuerySeries;
  using vigie::v1::Admin::CallbackService::Reload;
  using vigie::v1::Admin::CallbackService::RenderSchedule;
  using vigie::v1::Admin::CallbackService::Report;

  grpc::ServerUnaryReactor* ListHosts(grpc::CallbackServerContext* ctx,
                                      const vigie::v1::ListHostsRequest* request,
                                      vigie::v1::ListHostsResponse* response) override;
  grpc::ServerUnaryReactor* GetHost(grpc::CallbackServerContext* ctx,
                                    const vigie::v1::GetHostRequest* request,
                                    vigie::v1::Host* response) override;
  grpc::ServerUnaryReactor* QuerySeries(grpc::CallbackServerContext* ctx,
                                        const vigie::v1::QuerySeriesRequest* request,
                                        vigie::v1::QuerySeriesResponse* response) override;

  grpc::ServerUnaryReactor* ListAlerts(grpc::CallbackServerContext* ctx,
                                       const vigie::v1::ListAlertsRequest* request,
                                       vigie::v1::ListAlertsResponse* response) override;
  grpc::ServerUnaryReactor* AddSilence(grpc::CallbackServerContext* ctx,
                                       const vigie::v1::AddSilenceRequest* request,
                                       vigie::v1::AddSilenceResponse* response) override;
  grpc::ServerUnaryReactor* ListSilences(grpc::CallbackServerContext* ctx,
                                         const vigie::v1::ListSilencesRequest* request,
                                         vigie::v1::ListSilencesResponse* response) override;
  grpc::ServerUnaryReactor* ExpireSilence(grpc::CallbackServerContext* ctx,
                                          const vigie::v1::ExpireSilenceRequest* request,
                                          vigie::v1::ExpireSilenceResponse* response) override;
  grpc::ServerUnaryReactor* Reload(grpc::CallbackServerContext* ctx,
                                   const vigie::v1::ReloadRequest* request,
                                   vigie::v1::ReloadResponse* response) override;
  grpc::ServerUnaryReactor* ListAudit(grpc::CallbackServerContext* ctx,
                                      const vigie::v1::ListAuditRequest* request,
                                      vigie::v1::ListAuditResponse* response) override;

  grpc::ServerUnaryReactor* ListIncidents(grpc::CallbackServerContext* ctx,
                                          const vigie::v1::ListIncidentsRequest* request,
                                          vigie::v1::ListIncidentsResponse* response) override;
  grpc::ServerUnaryReactor* GetIncident(grpc::CallbackServerContext* ctx,
                                        const vigie::v1::GetIncidentRequest* request,
                                        vigie::v1::IncidentDetail* response) override;
  grpc::ServerUnaryReactor* ActOnIncident(grpc::CallbackServerContext* ctx,
                                          const vigie::v1::IncidentActionRequest* request,
                                          vigie::v1::Incident* response) override;
  grpc::ServerUnaryReactor* OpenIncident(grpc::CallbackServerContext* ctx,
                                         const vigie::v1::OpenIncidentRequest* request,
                                         vigie::v1::Incident* response) override;

  grpc::ServerUnaryReactor* WhoIsOnCall(grpc::CallbackServerContext* ctx,
                                        const vigie::v1::WhoIsOnCallRequest* request,
                                        vigie::v1::WhoIsOnCallResponse* response) override;
  grpc::ServerUnaryReactor* RenderSchedule(grpc::CallbackServerContext* ctx,
                                           const vigie::v1::RenderScheduleRequest* request,
                                           vigie::v1::RenderScheduleResponse* response) override;
  grpc::ServerUnaryReactor* AddOverride(grpc::CallbackServerContext* ctx,
                                        const vigie::v1::AddOverrideRequest* request,
                                        vigie::v1::AddOverrideResponse* response) override;
  grpc::ServerUnaryReactor* ListOverrides(grpc::CallbackServerContext* ctx,
                                          const vigie::v1::ListOverridesRequest* request,
                                          vigie::v1::ListOverridesResponse* response) override;
  grpc::ServerUnaryReactor* DeleteOverride(grpc::CallbackServerContext* ctx,
                                           const vigie::v1::DeleteOverrideRequest* request,
                                           vigie::v1::DeleteOverrideResponse* response) override;

  grpc::ServerUnaryReactor* Report(grpc::CallbackServerContext* ctx,
                                   const vigie::v1::IncidentReportRequest* request,
                                   vigie::v1::IncidentReportResponse* response) override;

 private:
  // Constant after construction.
  const State& state_;
  AlertAdmin* const alerts_;  // null: alerting is not enabled
};

// Fills `out` from a host's bookkeeping. A record whose inventory does not
// parse leaves `out.inventory` empty (the agent sent it validated; a corrupt
// store row should not hide the host).
void FillHost(const HostStatus& status, vigie::v1::Host& out);

// Fills `out` from an alert and why it is muted.
void FillAlert(const AlertView& view, vigie::v1::Alert& out);
// Fills `out` from a silence; `state` from its state at `now_ms`.
void FillSilence(const routing::Silence& silence, int64_t now_ms, vigie::v1::Silence& out);
// Fills `out` from an incident (every field but the engine-private escalation_json).
void FillIncident(const IncidentRecord& incident, vigie::v1::Incident& out);
void FillTimelineEntry(const TimelineRecord& entry, vigie::v1::TimelineEntry& out);
void FillShift(const oncall::Shift& shift, vigie::v1::Shift& out);
void FillOverride(const oncall::Override& o, vigie::v1::Override& out);

}  // namespace vigie::daemon
