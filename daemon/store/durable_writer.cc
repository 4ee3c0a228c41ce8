#include "daemon/store/durable_writer.h"

#include <chrono>

#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace vigie::daemon {

DurableWriter::DurableWriter(Store& store, prometheus::Registry& registry,
                             std::chrono::milliseconds checkpoint_interval)
    : store_(store), checkpoint_interval_(checkpoint_interval) {
  auto& commits = prometheus::BuildCounter()
                      .Name("vigie_store_commits_total")
                      .Help("Group commits of host state to the store, by outcome.")
                      .Register(registry);
  commits_ok_ = &commits.Add({{"outcome", "ok"}});
  commits_failed_ = &commits.Add({{"outcome", "error"}});
  commit_seconds_ =
      &prometheus::BuildHistogram()
           .Name("vigie_store_commit_duration_seconds")
           .Help("Time to commit one group of host records.")
           .Register(registry)
           .Add({}, prometheus::Histogram::BucketBoundaries{0.0005, 0.001, 0.0025, 0.005, 0.01,
                                                            0.025, 0.05, 0.1, 0.25, 0.5, 1});
}

DurableWriter::~DurableWriter() { Stop(); }

void DurableWriter::Start() {
  thread_ = std::thread([this] { Run(); });
}

void DurableWriter::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void DurableWriter::SaveHost(HostRecord record, Done done) {
  {
    std::lock_guard lock(mu_);
    if (!stopping_) {
      PutLocked(std::move(record));
      callbacks_.push_back(std::move(done));
      cv_.notify_one();
      return;
    }
  }
  done(absl::UnavailableError("vigied is shutting down"));
}

void DurableWriter::Checkpoint(HostRecord record) {
  std::lock_guard lock(mu_);
  if (!stopping_) PutLocked(std::move(record));
}

void DurableWriter::PutLocked(HostRecord record) {
  auto [it, inserted] = pending_.try_emplace(record.name);
  if (inserted || it->second.last_applied_seq <= record.last_applied_seq) {
    it->second = std::move(record);
  }
}

void DurableWriter::Run() {
  std::unique_lock lock(mu_);
  for (;;) {
    // Wake for a record someone waits for, or every checkpoint_interval for
    // bookkeeping nobody waits for.
    cv_.wait_for(lock, checkpoint_interval_, [this] { return stopping_ || !callbacks_.empty(); });
    if (pending_.empty()) {
      if (stopping_) return;
      continue;
    }
    std::vector<HostRecord> records;
    records.reserve(pending_.size());
    for (auto& [name, rec] : pending_) records.push_back(std::move(rec));
    pending_.clear();
    std::vector<Done> callbacks;
    callbacks.swap(callbacks_);
    lock.unlock();

    const auto start = std::chrono::steady_clock::now();
    absl::Status st = store_.SaveHosts(records);
    commit_seconds_->Observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    (st.ok() ? commits_ok_ : commits_failed_)->Increment();
    for (auto& cb : callbacks) cb(st);

    lock.lock();
  }
}

}  // namespace vigie::daemon
