// AdminService: the administrator's gRPC API (proto/vigie/v1/admin.proto),
// served by vigied on the ingest port and used by vigiectl. It only reads
// State: it never writes, persists or waits.
//
// Every RPC is a unary callback reactor that answers from a copy taken under
// State's short per-host locks, so nothing here blocks a gRPC thread.
//
// Errors:
//   GetHost      NOT_FOUND `no host named "x"`.
//   QuerySeries  INVALID_ARGUMENT naming the missing field (`host`, `metric`)
//                or the bad matcher; NOT_FOUND for an unknown host.
//
// Thread-safety: all methods may be called concurrently (State is
// thread-safe; the service holds no mutable state of its own).
#pragma once

#include "vigie/v1/admin.grpc.pb.h"

namespace vigie::daemon {

class State;
struct HostStatus;

class AdminService final : public vigie::v1::Admin::CallbackService {
 public:
  // `state` must outlive the service (and the server that runs it).
  explicit AdminService(const State& state);

  // The generated base also declares the synchronous overloads; keep them
  // visible (-Woverloaded-virtual).
  using vigie::v1::Admin::CallbackService::GetHost;
  using vigie::v1::Admin::CallbackService::ListHosts;
  using vigie::v1::Admin::CallbackService::QuerySeries;

  grpc::ServerUnaryReactor* ListHosts(grpc::CallbackServerContext* ctx,
                                      const vigie::v1::ListHostsRequest* request,
                                      vigie::v1::ListHostsResponse* response) override;
  grpc::ServerUnaryReactor* GetHost(grpc::CallbackServerContext* ctx,
                                    const vigie::v1::GetHostRequest* request,
                                    vigie::v1::Host* response) override;
  grpc::ServerUnaryReactor* QuerySeries(grpc::CallbackServerContext* ctx,
                                        const vigie::v1::QuerySeriesRequest* request,
                                        vigie::v1::QuerySeriesResponse* response) override;

 private:
  // Constant after construction.
  const State& state_;
};

// Fills `out` from a host's bookkeeping. A record whose inventory does not
// parse leaves `out.inventory` empty (the agent sent it validated; a corrupt
// store row should not hide the host).
void FillHost(const HostStatus& status, vigie::v1::Host& out);

}  // namespace vigie::daemon
