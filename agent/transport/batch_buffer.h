// BatchBuffer: the agent's batches that vigied has not acknowledged yet.
//
// Push() numbers each batch (seq = previous + 1). The sender reads batches in
// order with After(); Ack(seq) forgets every batch up to seq (acks are
// cumulative because vigied applies a stream's batches in order). When the
// buffer holds more than max_batches or max_bytes, the oldest batch is dropped
// and counted: the newest data matters most to an operator, and the count is
// reported (vigie_agent_batches_dropped_total) so nothing vanishes silently.
//
// Thread-safe. WaitForAfter() lets the sender sleep until there is work.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <vector>

#include "vigie/v1/ingest.pb.h"

namespace vigie::agent {

class BatchBuffer {
 public:
  using BatchPtr = std::shared_ptr<const vigie::v1::Batch>;

  BatchBuffer(size_t max_batches, size_t max_bytes);

  // Assigns the next seq to `batch` and keeps it. Returns the seq.
  uint64_t Push(vigie::v1::Batch batch);

  // Forgets every batch with seq <= `seq`.
  void Ack(uint64_t seq);

  // Forgets the one batch `seq` (vigied rejected it as invalid: resending it
  // would be rejected again). Counted as rejected.
  void Reject(uint64_t seq);

  // After a Hello: vigied has applied up to `last_applied`. On the first sync
  // of this process nothing has been sent yet, so the buffered batches are
  // renumbered to follow `last_applied` (vigied may know the host from an
  // earlier run of the agent). Later syncs acknowledge batches up to
  // `last_applied`, and return false if vigied is ahead of anything this
  // process numbered (another agent reporting under the same host name?).
  bool SyncWithServer(uint64_t last_applied);

  // Up to `max` batches with seq > `after`, oldest first.
  std::vector<BatchPtr> After(uint64_t after, size_t max) const;

  // Waits until a batch with seq > `after` exists, Stop() was called, or the
  // timeout passed. True if such a batch exists.
  bool WaitForAfter(uint64_t after, std::chrono::milliseconds timeout);
  void Stop();

  // Highest acknowledged seq (0 if none), and the seq the next Push will get.
  uint64_t acked() const;
  uint64_t next_seq() const;
  size_t size() const;
  size_t bytes() const;
  uint64_t dropped() const;
  uint64_t rejected() const;

 private:
  struct Entry {
    BatchPtr batch;
    size_t bytes;
  };
  void EvictLocked();
  void AckLocked(uint64_t seq);

  const size_t max_batches_;
  const size_t max_bytes_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  // Below: guarded by mu_.
  std::deque<Entry> batches_;  // increasing seq
  size_t bytes_ = 0;
  uint64_t next_seq_ = 1;
  uint64_t acked_ = 0;
  uint64_t dropped_ = 0;
  uint64_t rejected_ = 0;
  bool synced_ = false;
  bool stopped_ = false;
};

}  // namespace vigie::agent
