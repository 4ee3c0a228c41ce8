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
#include "common/strings.h"
#include "daemon/state/state.h"

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

AdminService::AdminService(const State& state) : state_(state) {}

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

}  // namespace vigie::daemon
