#include "daemon/admin/admin_service.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/labels.h"
#include "common/matcher.h"
#include "common/strings.h"
#include "daemon/admin/alert_admin.h"
#include "daemon/state/state.h"
#include "fmt/format.h"

namespace vigie::daemon {
namespace {

using LabelsProto = google::protobuf::RepeatedPtrField<vigie::v1::Label>;

void AppendLabels(const Labels& labels, LabelsProto& out) {
  for (const auto& l : labels) {
    auto* p = out.Add();
    p->set_name(l.name);
    p->set_value(l.value);
  }
}

bool MatchesAll(const Labels& labels, const LabelsProto& matchers) {
  return std::all_of(matchers.begin(), matchers.end(), [&](const vigie::v1::Label& m) {
    return GetLabel(labels, m.name()) == m.value();  // "" matches a missing label
  });
}

grpc::Status CheckQuery(const vigie::v1::QuerySeriesRequest& request) {
  if (request.host().empty()) {
    return {grpc::StatusCode::INVALID_ARGUMENT, "QuerySeries: field \"host\" is required"};
  }
  if (request.metric().empty()) {
    return {grpc::StatusCode::INVALID_ARGUMENT, "QuerySeries: field \"metric\" is required"};
  }
  for (int i = 0; i < request.matchers_size(); ++i) {
    if (request.matchers(i).name().empty()) {
      return {grpc::StatusCode::INVALID_ARGUMENT,
              StrCat("QuerySeries: matcher ", i + 1, " (=\"", request.matchers(i).value(),
                     "\") has an empty label name")};
    }
  }
  return grpc::Status::OK;
}

grpc::Status HostNotFound(std::string_view host) {
  return {grpc::StatusCode::NOT_FOUND, StrCat("no host named \"", host, "\"")};
}

grpc::ServerUnaryReactor* Finish(grpc::CallbackServerContext* ctx, const grpc::Status& status) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  reactor->Finish(status);
  return reactor;
}

// gRPC and absl share their status codes, value for value.
grpc::Status ToGrpc(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return {static_cast<grpc::StatusCode>(status.code()), StatusMessage(status)};
}

const grpc::Status kAlertingDisabled{grpc::StatusCode::UNIMPLEMENTED, "alerting is not enabled"};

constexpr uint32_t kDefaultAuditLimit = 100;
constexpr uint32_t kMaxAuditLimit = 10'000;
constexpr uint32_t kDefaultIncidentLimit = 100;
constexpr uint32_t kMaxIncidentLimit = 10'000;

// Who asked, for the audit log: "alice@laptop (ipv4:127.0.0.1:51234)".
std::string ActorOf(const grpc::CallbackServerContext& ctx, const std::string& actor) {
  return StrCat(actor.empty() ? "unknown" : actor, " (", ctx.peer(), ")");
}

// ListAlerts' state filter: "" keeps everything.
bool KeepAlert(const Alert& alert, std::string_view filter) {
  if (filter.empty()) return true;
  if (filter == "flapping") return alert.flapping;
  return filter == AlertStateName(alert.state);
}

bool IsAlertFilter(std::string_view filter) {
  return filter.empty() || filter == "firing" || filter == "pending" || filter == "resolved" ||
         filter == "flapping";
}

// AddSilence's request as a routing::Silence; INVALID_ARGUMENT naming what is wrong.
absl::StatusOr<routing::Silence> SilenceOf(const vigie::v1::AddSilenceRequest& request,
                                           int64_t now_ms) {
  if (request.matchers().empty()) {
    return absl::InvalidArgumentError("AddSilence: at least one matcher is required");
  }
  routing::Silence silence;
  for (int i = 0; i < request.matchers_size(); ++i) {
    const std::string& text = request.matchers(i);
    absl::StatusOr<Matcher> m = Matcher::Parse(text);
    if (!m.ok()) {
      return absl::InvalidArgumentError(
          StrCat("AddSilence: matcher ", i + 1, " \"", text, "\": ", StatusMessage(m.status())));
    }
    silence.matchers.push_back(*std::move(m));
  }
  if (request.ends_at_ms() <= 0) {
    return absl::InvalidArgumentError("AddSilence: field \"ends_at_ms\" is required");
  }
  if (request.comment().empty()) {
    return absl::InvalidArgumentError("AddSilence: field \"comment\" is required");
  }
  silence.starts_at_ms = request.starts_at_ms() > 0 ? request.starts_at_ms() : now_ms;
  silence.ends_at_ms = request.ends_at_ms();
  silence.comment = request.comment();
  return silence;
}

// ActOnIncident's request for AlertAdmin; INVALID_ARGUMENT naming what is missing.
absl::StatusOr<AlertAdmin::IncidentRequest> IncidentRequestOf(
    const vigie::v1::IncidentActionRequest& request, std::string actor) {
  using Action = AlertAdmin::IncidentAction;
  using V1 = vigie::v1::IncidentActionRequest;
  if (request.id() <= 0) {
    return absl::InvalidArgumentError("ActOnIncident: field \"id\" is required");
  }
  AlertAdmin::IncidentRequest out;
  switch (request.action()) {
    case V1::ACK:
      out.action = Action::kAcknowledge;
      break;
    case V1::UNACK:
      out.action = Action::kUnacknowledge;
      break;
    case V1::RESOLVE:
      out.action = Action::kResolve;
      break;
    case V1::REASSIGN:
      if (request.user().empty()) {
        return absl::InvalidArgumentError("ActOnIncident: field \"user\" is required to reassign");
      }
      out.action = Action::kReassign;
      break;
    case V1::COMMENT:
      if (request.comment().empty()) {
        return absl::InvalidArgumentError(
            "ActOnIncident: field \"comment\" is required to comment");
      }
      out.action = Action::kComment;
      break;
    case V1::ACTION_UNSPECIFIED:
      return absl::InvalidArgumentError("ActOnIncident: field \"action\" is required");
    default:
      return absl::InvalidArgumentError(
          StrCat("ActOnIncident: unknown action ", static_cast<int>(request.action())));
  }
  out.id = request.id();
  out.actor = std::move(actor);
  out.comment = request.comment();
  out.user = request.user();
  out.cause = request.cause();
  out.owner = request.owner();
  return out;
}

constexpr std::string_view kSeverities[] = {"critical", "warning", "info"};

// OpenIncident's request for AlertAdmin; INVALID_ARGUMENT naming what is wrong.
absl::StatusOr<AlertAdmin::ManualIncident> ManualIncidentOf(
    const vigie::v1::OpenIncidentRequest& request, std::string actor) {
  for (const auto& [name, value] :
       {std::pair<std::string_view, const std::string&>{"title", request.title()},
        {"service", request.service()},
        {"reported_by", request.reported_by()}}) {
    if (value.empty()) {
      return absl::InvalidArgumentError(StrCat("OpenIncident: field \"", name, "\" is required"));
    }
  }
  AlertAdmin::ManualIncident out;
  if (!request.severity().empty()) {
    if (std::find(std::begin(kSeverities), std::end(kSeverities), request.severity()) ==
        std::end(kSeverities)) {
      return absl::InvalidArgumentError(StrCat("OpenIncident: unknown severity \"",
                                               request.severity(),
                                               "\" (expected critical, warning or info)"));
    }
    out.severity = request.severity();
  }
  out.title = request.title();
  out.service = request.service();
  out.reported_by = request.reported_by();
  out.actor = std::move(actor);
  return out;
}

// AddOverride's request for AlertAdmin; INVALID_ARGUMENT naming what is wrong.
absl::StatusOr<AlertAdmin::OverrideRequest> OverrideRequestOf(
    const vigie::v1::AddOverrideRequest& request, std::string actor) {
  if (request.schedule().empty()) {
    return absl::InvalidArgumentError("AddOverride: field \"schedule\" is required");
  }
  if (request.user().empty()) {
    return absl::InvalidArgumentError("AddOverride: field \"user\" is required");
  }
  if (request.end_ms() <= request.start_ms()) {
    return absl::InvalidArgumentError(StrCat("AddOverride: end_ms (", request.end_ms(),
                                             ") must be after start_ms (", request.start_ms(),
                                             ")"));
  }
  AlertAdmin::OverrideRequest out;
  out.schedule = request.schedule();
  out.user = request.user();
  out.start_ms = request.start_ms();
  out.end_ms = request.end_ms();
  out.reason = request.reason();
  out.actor = std::move(actor);
  return out;
}

// [from_ms, to_ms) must not be empty; `rpc` names the call in the message.
grpc::Status CheckRange(std::string_view rpc, int64_t from_ms, int64_t to_ms) {
  if (to_ms > from_ms) return grpc::Status::OK;
  return {grpc::StatusCode::INVALID_ARGUMENT,
          StrCat(rpc, ": to_ms (", to_ms, ") must be after from_ms (", from_ms, ")")};
}

}  // namespace

void FillHost(const HostStatus& status, vigie::v1::Host& out) {
  const HostRecord& r = status.record;
  out.set_name(r.name);
  out.set_up(status.up);
  out.set_connected(status.connected);
  out.set_first_seen_ms(r.first_seen_ms);
  out.set_last_seen_ms(r.last_seen_ms);
  out.set_agent_version(r.agent_version);
  AppendLabels(r.labels, *out.mutable_labels());
  if (!r.inventory.empty() && !out.mutable_inventory()->ParseFromString(r.inventory)) {
    out.clear_inventory();
  }
  out.set_interval_ms(r.interval_ms);
  out.set_last_applied_seq(r.last_applied_seq);
  out.set_series_count(status.series_count);
}

void FillAlert(const AlertView& view, vigie::v1::Alert& out) {
  const Alert& a = view.alert;
  out.set_name(a.rule);
  out.set_group(a.group);
  AppendLabels(a.labels, *out.mutable_labels());
  out.mutable_annotations()->insert(a.annotations.begin(), a.annotations.end());
  out.set_state(AlertStateName(a.state));
  out.set_value(a.value);
  out.set_active_at_ms(a.active_at_ms);
  out.set_fired_at_ms(a.fired_at_ms);
  out.set_resolved_at_ms(a.resolved_at_ms);
  out.set_flapping(a.flapping);
  out.set_fingerprint(FingerprintHex(a.fingerprint));
  if (view.muted) {
    out.set_muted_by_kind(routing::MuteKindName(view.muted->kind));
    out.set_muted_by_id(view.muted->id);
    out.set_muted_detail(view.muted->detail);
  }
}

void FillSilence(const routing::Silence& silence, int64_t now_ms, vigie::v1::Silence& out) {
  out.set_id(silence.id);
  for (const Matcher& m : silence.matchers) out.add_matchers(m.ToString());
  out.set_starts_at_ms(silence.starts_at_ms);
  out.set_ends_at_ms(silence.ends_at_ms);
  out.set_created_by(silence.created_by);
  out.set_comment(silence.comment);
  out.set_created_at_ms(silence.created_at_ms);
  out.set_updated_at_ms(silence.updated_at_ms);
  out.set_state(routing::SilenceStateName(silence.StateAt(now_ms)));
}

void FillIncident(const IncidentRecord& r, vigie::v1::Incident& out) {
  out.set_id(r.id);
  out.set_group_key(r.group_key);
  out.set_title(r.title);
  out.set_source(r.source);
  out.set_reported_by(r.reported_by);
  out.set_service(r.service);
  out.set_severity(r.severity);
  out.set_host(r.host);
  out.set_rule(r.rule);
  AppendLabels(r.labels, *out.mutable_labels());
  out.set_state(r.state);
  out.set_opened_ms(r.opened_ms);
  out.set_acked_ms(r.acked_ms);
  out.set_acked_by(r.acked_by);
  out.set_resolved_ms(r.resolved_ms);
  out.set_resolved_by(r.resolved_by);
  out.set_assignee(r.assignee);
  out.set_cause(r.cause);
  out.set_owner(r.owner);
  out.set_policy(r.policy);
  out.set_step(r.step);
  out.set_round(r.round);
  out.set_next_step_ms(r.next_step_ms);
  // escalation_json stays inside vigied: engine-private state.
}

void FillTimelineEntry(const TimelineRecord& r, vigie::v1::TimelineEntry& out) {
  out.set_at_ms(r.at_ms);
  out.set_kind(r.kind);
  out.set_actor(r.actor);
  out.set_detail(r.detail);
}

void FillShift(const oncall::Shift& shift, vigie::v1::Shift& out) {
  out.set_user(shift.user);
  out.set_start_ms(shift.start_ms);
  out.set_end_ms(shift.end_ms);
  out.set_source(shift.source);
}

void FillOverride(const oncall::Override& o, vigie::v1::Override& out) {
  out.set_id(o.id);
  out.set_schedule(o.schedule);
  out.set_user(o.user);
  out.set_start_ms(o.start_ms);
  out.set_end_ms(o.end_ms);
  out.set_created_by(o.created_by);
  out.set_reason(o.reason);
  out.set_created_at_ms(o.created_at_ms);
}

AdminService::AdminService(const State& state, AlertAdmin* alerts)
    : state_(state), alerts_(alerts) {}

grpc::ServerUnaryReactor* AdminService::ListHosts(grpc::CallbackServerContext* ctx,
                                                  const vigie::v1::ListHostsRequest* /*request*/,
                                                  vigie::v1::ListHostsResponse* response) {
  for (const HostStatus& status : state_.ListHosts()) FillHost(status, *response->add_hosts());
  return Finish(ctx, grpc::Status::OK);
}

grpc::ServerUnaryReactor* AdminService::GetHost(grpc::CallbackServerContext* ctx,
                                                const vigie::v1::GetHostRequest* request,
                                                vigie::v1::Host* response) {
  if (request->name().empty()) {
    return Finish(ctx, {grpc::StatusCode::INVALID_ARGUMENT, "GetHost: field \"name\" is required"});
  }
  std::optional<HostStatus> status = state_.GetHost(request->name());
  if (!status) return Finish(ctx, HostNotFound(request->name()));
  FillHost(*status, *response);
  return Finish(ctx, grpc::Status::OK);
}

grpc::ServerUnaryReactor* AdminService::QuerySeries(grpc::CallbackServerContext* ctx,
                                                    const vigie::v1::QuerySeriesRequest* request,
                                                    vigie::v1::QuerySeriesResponse* response) {
  if (grpc::Status st = CheckQuery(*request); !st.ok()) return Finish(ctx, st);
  const std::string& host = request->host();
  if (!state_.Knows(host)) return Finish(ctx, HostNotFound(host));

  // Copied under the host's lock, sorted and moved into the response after.
  std::vector<std::pair<Labels, vigie::v1::SeriesData>> found;
  state_.VisitSeries(host, [&](const Series& series) {
    if (series.metric != request->metric()) return;
    Labels labels = series.labels;
    labels.push_back({"__name__", series.metric});
    labels.push_back({"host", host});
    std::sort(labels.begin(), labels.end());
    if (!MatchesAll(labels, request->matchers())) return;
    vigie::v1::SeriesData data;
    AppendLabels(labels, *data.mutable_labels());
    series.ring.ForEachInRange(std::numeric_limits<int64_t>::min(),
                               std::numeric_limits<int64_t>::max(), [&](const Point& point) {
                                 auto* p = data.add_points();
                                 p->set_timestamp_ms(point.timestamp_ms);
                                 p->set_value(point.value);
                               });
    found.emplace_back(std::move(labels), std::move(data));
  });
  std::sort(found.begin(), found.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& [labels, data] : found) *response->add_series() = std::move(data);
  return Finish(ctx, grpc::Status::OK);
}

grpc::ServerUnaryReactor* AdminService::ListAlerts(grpc::CallbackServerContext* ctx,
                                                   const vigie::v1::ListAlertsRequest* request,
                                                   vigie::v1::ListAlertsResponse* response) {
  if (alerts_ == nullptr) return Finish(ctx, kAlertingDisabled);
  const std::string& filter = request->state();
  if (!IsAlertFilter(filter)) {
    return Finish(ctx, {grpc::StatusCode::INVALID_ARGUMENT,
                        StrCat("ListAlerts: unknown state \"", filter,
                               "\" (expected firing, pending, resolved or flapping)")});
  }
  for (const AlertView& view : alerts_->ListAlerts()) {
    if (KeepAlert(view.alert, filter)) FillAlert(view, *response->add_alerts());
  }
  return Finish(ctx, grpc::Status::OK);
}

grpc::ServerUnaryReactor* AdminService::AddSilence(grpc::CallbackServerContext* ctx,
                                                   const vigie::v1::AddSilenceRequest* request,
                                                   vigie::v1::AddSilenceResponse* response) {
  if (alerts_ == nullptr) return Finish(ctx, kAlertingDisabled);
  absl::StatusOr<routing::Silence> silence = SilenceOf(*request, state_.clock().NowMillis());
  if (!silence.ok()) return Finish(ctx, ToGrpc(silence.status()));
  // Synchronous: may wait briefly on the store's commit (see the header).
  absl::StatusOr<std::string> id =
      alerts_->AddSilence(*std::move(silence), ActorOf(*ctx, request->actor()));
  if (!id.ok()) return Finish(ctx, ToGrpc(id.status()));
  response->set_id(*id);
  return Finish(ctx, grpc::Status::OK);
}

grpc::ServerUnaryReactor* AdminService::ListSilences(grpc::CallbackServerContext* ctx,
                                                     const vigie::v1::ListSilencesRequest* request,
                                                     vigie::v1::ListSilencesResponse* response) {
  if (alerts_ == nullptr) return Finish(ctx, kAlertingDisabled);
  std::optional<routing::SilenceState> state;
  if (!request->state().empty()) {
    state = routing::ParseSilenceState(request->state());
    if (!state) {
      return Finish(ctx, {grpc::StatusCode::INVALID_ARGUMENT,
                          StrCat("ListSilences: unknown state \"", request->state(),
                                 "\" (expected active, pending or expired)")});
    }
  }
  const int64_t now_ms = state_.clock().NowMillis();
  for (const routing::Silence& s : alerts_->ListSilences(state)) {
    FillSilence(s, now_ms, *response->add_silences());
  }
  return Finish(ctx, grpc::Status::OK);
}

grpc::ServerUnaryReactor* AdminService::ExpireSilence(
    grpc::CallbackServerContext* ctx, const vigie::v1::ExpireSilenceRequest* request,
    vigie::v1::ExpireSilenceResponse* /*response*/) {
  if (alerts_ == nullptr) return Finish(ctx, kAlertingDisabled);
  if (request->id().empty()) {
    return Finish(ctx,
                  {grpc::StatusCode::INVALID_ARGUMENT, "ExpireSilence: field \"id\" is required"});
  }
  // Synchronous: may wait briefly on the store's commit (see the header).
  return Finish(ctx,
                ToGrpc(alerts_->ExpireSilence(request->id(), ActorOf(*ctx, request->actor()))));
}

grpc::ServerUnaryReactor* AdminService::Reload(grpc::CallbackServerContext* ctx,
                                               const vigie::v1::ReloadRequest* request,
                                               vigie::v1::ReloadResponse* response) {
  if (alerts_ == nullptr) return Finish(ctx, kAlertingDisabled);
  // Synchronous: re-reads the configuration file (see the header).
  absl::StatusOr<ReloadResult> result = alerts_->Reload(ActorOf(*ctx, request->actor()));
  if (!result.ok()) return Finish(ctx, ToGrpc(result.status()));
  response->set_config_file(result->config_file);
  response->set_rules(result->rules);
  response->set_receivers(result->receivers);
  return Finish(ctx, grpc::Status::OK);
}

grpc::ServerUnaryReactor* AdminService::ListAudit(grpc::CallbackServerContext* ctx,
                                                  const vigie::v1::ListAuditRequest* request,
                                                  vigie::v1::ListAuditResponse* response) {
  if (alerts_ == nullptr) return Finish(ctx, kAlertingDisabled);
  const uint32_t limit =
      request->limit() == 0 ? kDefaultAuditLimit : std::min(request->limit(), kMaxAuditLimit);
  absl::StatusOr<std::vector<AuditRecord>> records = alerts_->ListAudit(limit);
  if (!records.ok()) return Finish(ctx, ToGrpc(records.status()));
  for (const AuditRecord& r : *records) {
    auto* e = response->add_entries();
    e->set_at_ms(r.at_ms);
    e->set_actor(r.actor);
    e->set_action(r.action);
    e->set_object(r.object);
    e->set_detail(r.detail);
  }
  return Finish(ctx, grpc::Status::OK);
}

grpc::ServerUnaryReactor* AdminService::ListIncidents(
    grpc::CallbackServerContext* ctx, const vigie::v1::ListIncidentsRequest* request,
    vigie::v1::ListIncidentsResponse* response) {
  if (alerts_ == nullptr) return Finish(ctx, kAlertingDisabled);
  IncidentQuery q;
  q.from_ms = request->from_ms();
  if (request->to_ms() != 0) {
    if (request->to_ms() <= request->from_ms()) {
      return Finish(ctx, {grpc::StatusCode::INVALID_ARGUMENT,
                          StrCat("ListIncidents: to_ms (", request->to_ms(),
                                 ") must be after from_ms (", request->from_ms(), ")")});
    }
    q.to_ms = request->to_ms();
  }
  q.open_only = request->open_only();
  q.limit =
      request->limit() == 0 ? kDefaultIncidentLimit : std::min(request->limit(), kMaxIncidentLimit);
  absl::StatusOr<std::vector<IncidentRecord>> incidents = alerts_->ListIncidents(q);
  if (!incidents.ok()) return Finish(ctx, ToGrpc(incidents.status()));
  for (const IncidentRecord& r : *incidents) FillIncident(r, *response->add_incidents());
  return Finish(ctx, grpc::Status::OK);
}

grpc::ServerUnaryReactor* AdminService::GetIncident(grpc::CallbackServerContext* ctx,
                                                    const vigie::v1::GetIncidentRequest* request,
                                                    vigie::v1::IncidentDetail* response) {
  if (alerts_ == nullptr) return Finish(ctx, kAlertingDisabled);
  if (request->id() <= 0) {
    return Finish(ctx,
                  {grpc::StatusCode::INVALID_ARGUMENT, "GetIncident: field \"id\" is required"});
  }
  absl::StatusOr<IncidentRecord> incident = alerts_->GetIncident(request->id());
  if (!incident.ok()) return Finish(ctx, ToGrpc(incident.status()));
  absl::StatusOr<std::vector<TimelineRecord>> timeline = alerts_->IncidentTimeline(request->id());
  if (!timeline.ok()) return Finish(ctx, ToGrpc(timeline.status()));
  FillIncident(*incident, *response->mutable_incident());
  for (const TimelineRecord& r : *timeline) FillTimelineEntry(r, *response->add_timeline());
  return Finish(ctx, grpc::Status::OK);
}

grpc::ServerUnaryReactor* AdminService::ActOnIncident(
    grpc::CallbackServerContext* ctx, const vigie::v1::IncidentActionRequest* request,
    vigie::v1::Incident* response) {
  if (alerts_ == nullptr) return Finish(ctx, kAlertingDisabled);
  absl::StatusOr<AlertAdmin::IncidentRequest> action =
      IncidentRequestOf(*request, ActorOf(*ctx, request->actor()));
  if (!action.ok()) return Finish(ctx, ToGrpc(action.status()));
  // Synchronous: may wait briefly on the store's commit (see the header).
  absl::StatusOr<IncidentRecord> incident = alerts_->ActOnIncident(*action);
  if (!incident.ok()) return Finish(ctx, ToGrpc(incident.status()));
  FillIncident(*incident, *response);
  return Finish(ctx, grpc::Status::OK);
}

grpc::ServerUnaryReactor* AdminService::OpenIncident(grpc::CallbackServerContext* ctx,
                                                     const vigie::v1::OpenIncidentRequest* request,
                                                     vigie::v1::Incident* response) {
  if (alerts_ == nullptr) return Finish(ctx, kAlertingDisabled);
  absl::StatusOr<AlertAdmin::ManualIncident> manual =
      ManualIncidentOf(*request, ActorOf(*ctx, request->actor()));
  if (!manual.ok()) return Finish(ctx, ToGrpc(manual.status()));
  // Synchronous: may wait briefly on the store's commit (see the header).
  absl::StatusOr<IncidentRecord> incident = alerts_->OpenIncident(*manual);
  if (!incident.ok()) return Finish(ctx, ToGrpc(incident.status()));
  FillIncident(*incident, *response);
  return Finish(ctx, grpc::Status::OK);
}

grpc::ServerUnaryReactor* AdminService::WhoIsOnCall(grpc::CallbackServerContext* ctx,
                                                    const vigie::v1::WhoIsOnCallRequest* request,
                                                    vigie::v1::WhoIsOnCallResponse* response) {
  if (alerts_ == nullptr) return Finish(ctx, kAlertingDisabled);
  const int64_t at_ms = request->at_ms() != 0 ? request->at_ms() : state_.clock().NowMillis();
  absl::StatusOr<std::vector<AlertAdmin::OnCallNow>> on_call =
      alerts_->WhoIsOnCall(request->schedule(), at_ms);
  if (!on_call.ok()) return Finish(ctx, ToGrpc(on_call.status()));
  for (const AlertAdmin::OnCallNow& now : *on_call) {
    auto* out = response->add_on_call();
    out->set_schedule(now.schedule);
    out->set_user(now.user.value_or(""));
    out->set_until_ms(now.user ? now.until_ms : 0);
  }
  return Finish(ctx, grpc::Status::OK);
}

grpc::ServerUnaryReactor* AdminService::RenderSchedule(
    grpc::CallbackServerContext* ctx, const vigie::v1::RenderScheduleRequest* request,
    vigie::v1::RenderScheduleResponse* response) {
  if (alerts_ == nullptr) return Finish(ctx, kAlertingDisabled);
  if (request->schedule().empty()) {
    return Finish(ctx, {grpc::StatusCode::INVALID_ARGUMENT,
                        "RenderSchedule: field \"schedule\" is required"});
  }
  if (grpc::Status st = CheckRange("RenderSchedule", request->from_ms(), request->to_ms());
      !st.ok()) {
    return Finish(ctx, st);
  }
  absl::StatusOr<std::vector<oncall::Shift>> shifts =
      alerts_->RenderSchedule(request->schedule(), request->from_ms(), request->to_ms());
  if (!shifts.ok()) return Finish(ctx, ToGrpc(shifts.status()));
  for (const oncall::Shift& s : *shifts) FillShift(s, *response->add_shifts());
  return Finish(ctx, grpc::Status::OK);
}

grpc::ServerUnaryReactor* AdminService::AddOverride(grpc::CallbackServerContext* ctx,
                                                    const vigie::v1::AddOverrideRequest* request,
                                                    vigie::v1::AddOverrideResponse* response) {
  if (alerts_ == nullptr) return Finish(ctx, kAlertingDisabled);
  absl::StatusOr<AlertAdmin::OverrideRequest> override_request =
      OverrideRequestOf(*request, ActorOf(*ctx, request->actor()));
  if (!override_request.ok()) return Finish(ctx, ToGrpc(override_request.status()));
  // Synchronous: may wait briefly on the store's commit (see the header).
  absl::StatusOr<std::string> id = alerts_->AddOverride(*override_request);
  if (!id.ok()) return Finish(ctx, ToGrpc(id.status()));
  response->set_id(*id);
  return Finish(ctx, grpc::Status::OK);
}

grpc::ServerUnaryReactor* AdminService::ListOverrides(
    grpc::CallbackServerContext* ctx, const vigie::v1::ListOverridesRequest* request,
    vigie::v1::ListOverridesResponse* response) {
  if (alerts_ == nullptr) return Finish(ctx, kAlertingDisabled);
  absl::StatusOr<std::vector<oncall::Override>> overrides =
      alerts_->ListOverrides(request->schedule());
  if (!overrides.ok()) return Finish(ctx, ToGrpc(overrides.status()));
  for (const oncall::Override& o : *overrides) FillOverride(o, *response->add_overrides());
  return Finish(ctx, grpc::Status::OK);
}

grpc::ServerUnaryReactor* AdminService::DeleteOverride(
    grpc::CallbackServerContext* ctx, const vigie::v1::DeleteOverrideRequest* request,
    vigie::v1::DeleteOverrideResponse* /*response*/) {
  if (alerts_ == nullptr) return Finish(ctx, kAlertingDisabled);
  if (request->id().empty()) {
    return Finish(ctx,
                  {grpc::StatusCode::INVALID_ARGUMENT, "DeleteOverride: field \"id\" is required"});
  }
  // Synchronous: may wait briefly on the store's commit (see the header).
  return Finish(ctx,
                ToGrpc(alerts_->DeleteOverride(request->id(), ActorOf(*ctx, request->actor()))));
}

grpc::ServerUnaryReactor* AdminService::Report(grpc::CallbackServerContext* ctx,
                                               const vigie::v1::IncidentReportRequest* request,
                                               vigie::v1::IncidentReportResponse* response) {
  if (alerts_ == nullptr) return Finish(ctx, kAlertingDisabled);
  if (grpc::Status st = CheckRange("Report", request->from_ms(), request->to_ms()); !st.ok()) {
    return Finish(ctx, st);
  }
  absl::StatusOr<std::string> body =
      alerts_->Report(request->from_ms(), request->to_ms(),
                      request->format().empty() ? "table" : request->format());
  if (!body.ok()) return Finish(ctx, ToGrpc(body.status()));
  response->set_body(*std::move(body));
  return Finish(ctx, grpc::Status::OK);
}

}  // namespace vigie::daemon
