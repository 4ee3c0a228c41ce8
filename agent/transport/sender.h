// Sender: keeps one gRPC connection to vigied and streams the BatchBuffer.
//
// Per connection: Hello (identity, inventory, interval), sync sequence numbers
// with what vigied has applied, open the Report stream, send every buffered
// batch in order, and drop batches from the buffer as acks come back. On any
// failure: wait with exponential backoff and jitter, reconnect, resend what
// was not acknowledged. A batch vigied rejects as invalid (its seq comes back
// in the `vigie-rejected-seq` trailer) is dropped and counted, so one bad
// batch cannot wedge the stream.
//
// Threads: one for the connection loop and, while connected, one reading acks.
// Start/Stop from the owner's thread; counters may be read from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "agent/transport/batch_buffer.h"
#include "common/logging.h"

namespace grpc {
class ClientContext;
}  // namespace grpc

namespace vigie::agent {

struct SenderOptions {
  std::string server = "127.0.0.1:9470";
  std::chrono::milliseconds reconnect_initial{500};
  std::chrono::milliseconds reconnect_max{30'000};
  uint64_t seed = 0;  // backoff jitter; 0 picks one from the clock
};

class Sender {
 public:
  // `make_hello` and `make_start` are called on the sender thread for every
  // connection (so inventory and metadata are current).
  Sender(SenderOptions options, BatchBuffer& buffer,
         std::function<vigie::v1::HelloRequest()> make_hello,
         std::function<vigie::v1::StreamStart()> make_start);
  ~Sender();

  void Start();
  void Stop();

  bool connected() const { return connected_; }
  uint64_t reconnects() const { return reconnects_; }

 private:
  void Run();
  // One connection, until it breaks or Stop(). Sets `progressed` when vigied
  // acknowledged at least one batch.
  absl::Status RunConnection(bool& progressed);
  void SleepFor(std::chrono::milliseconds d);

  const SenderOptions options_;
  BatchBuffer& buffer_;
  const std::function<vigie::v1::HelloRequest()> make_hello_;
  const std::function<vigie::v1::StreamStart()> make_start_;
  Logger log_;

  std::atomic<bool> connected_{false};
  std::atomic<uint64_t> reconnects_{0};

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;                  // guarded by mu_
  grpc::ClientContext* active_ = nullptr;  // guarded by mu_
  std::thread thread_;
};

}  // namespace vigie::agent
