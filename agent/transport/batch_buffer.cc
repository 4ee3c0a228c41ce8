#include "agent/transport/batch_buffer.h"

namespace vigie::agent {

BatchBuffer::BatchBuffer(size_t max_batches, size_t max_bytes)
    : max_batches_(max_batches), max_bytes_(max_bytes) {}

uint64_t BatchBuffer::Push(vigie::v1::Batch batch) {
  std::lock_guard lock(mu_);
  const uint64_t seq = next_seq_++;
  batch.set_seq(seq);
  const size_t size = batch.ByteSizeLong();
  bytes_ += size;
  batches_.push_back({std::make_shared<const vigie::v1::Batch>(std::move(batch)), size});
  EvictLocked();
  cv_.notify_all();
  return seq;
}

void BatchBuffer::EvictLocked() {
  while (batches_.size() > 1 && (batches_.size() > max_batches_ || bytes_ > max_bytes_)) {
    bytes_ -= batches_.front().bytes;
    batches_.pop_front();
    ++dropped_;
  }
}

void BatchBuffer::Ack(uint64_t seq) {
  std::lock_guard lock(mu_);
  AckLocked(seq);
}

void BatchBuffer::AckLocked(uint64_t seq) {
  while (!batches_.empty() && batches_.front().batch->seq() <= seq) {
    bytes_ -= batches_.front().bytes;
    batches_.pop_front();
  }
  if (seq > acked_) acked_ = seq;
}

void BatchBuffer::Reject(uint64_t seq) {
  std::lock_guard lock(mu_);
  for (auto it = batches_.begin(); it != batches_.end(); ++it) {
    if (it->batch->seq() == seq) {
      bytes_ -= it->bytes;
      batches_.erase(it);
      ++rejected_;
      return;
    }
  }
}

bool BatchBuffer::SyncWithServer(uint64_t last_applied) {
  std::lock_guard lock(mu_);
  if (!synced_) {
    // First contact of this process: nothing has been sent yet, so number the
    // buffered batches after what vigied has (it may know this host from a
    // previous run of the agent).
    synced_ = true;
    uint64_t seq = last_applied + 1;
    for (auto& e : batches_) {
      auto copy = std::make_shared<vigie::v1::Batch>(*e.batch);
      copy->set_seq(seq++);
      e.batch = std::move(copy);
    }
    next_seq_ = seq;
    acked_ = last_applied;
    return true;
  }
  if (last_applied >= next_seq_) return false;
  AckLocked(last_applied);
  return true;
}

std::vector<BatchBuffer::BatchPtr> BatchBuffer::After(uint64_t after, size_t max) const {
  std::lock_guard lock(mu_);
  std::vector<BatchPtr> out;
  for (const auto& e : batches_) {
    if (out.size() >= max) break;
    if (e.batch->seq() > after) out.push_back(e.batch);
  }
  return out;
}

bool BatchBuffer::WaitForAfter(uint64_t after, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, timeout, [&] {
    return stopped_ || (!batches_.empty() && batches_.back().batch->seq() > after);
  });
  return !batches_.empty() && batches_.back().batch->seq() > after;
}

void BatchBuffer::Stop() {
  std::lock_guard lock(mu_);
  stopped_ = true;
  cv_.notify_all();
}

uint64_t BatchBuffer::acked() const {
  std::lock_guard lock(mu_);
  return acked_;
}
uint64_t BatchBuffer::next_seq() const {
  std::lock_guard lock(mu_);
  return next_seq_;
}
size_t BatchBuffer::size() const {
  std::lock_guard lock(mu_);
  return batches_.size();
}
size_t BatchBuffer::bytes() const {
  std::lock_guard lock(mu_);
  return bytes_;
}
uint64_t BatchBuffer::dropped() const {
  std::lock_guard lock(mu_);
  return dropped_;
}
uint64_t BatchBuffer::rejected() const {
  std::lock_guard lock(mu_);
  return rejected_;
}

}  // namespace vigie::agent
