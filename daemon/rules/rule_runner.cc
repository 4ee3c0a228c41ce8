#include "daemon/rules/rule_runner.h"

#include <algorithm>
#include <chrono>
#include <utility>

namespace vigie::daemon::rules {

RuleRunner::RuleRunner(RuleManager& manager, const Clock& clock)
    : manager_(manager), clock_(clock), log_(MakeLogger("rules")) {}

RuleRunner::~RuleRunner() { Stop(); }

void RuleRunner::Start() {
  thread_ = std::thread([this] { Run(); });
}

void RuleRunner::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void RuleRunner::HostReported(const std::string& host) {
  {
    std::lock_guard lock(mu_);
    if (stopping_ || !reported_.insert(host).second) return;
  }
  cv_.notify_one();
}

void RuleRunner::Run() {
  int64_t next_due = 0;  // evaluate what is due at once
  int64_t next_poll = poller_ ? clock_.NowMillis() + poll_every_ms_ : kNeverMs;
  std::unique_lock lock(mu_);
  for (;;) {
    // Wall-clock deadline turned into a bounded wait, re-checked every minute
    // at most so a stepped clock cannot stall evaluation.
    const int64_t wait_ms =
        std::clamp<int64_t>(std::min(next_due, next_poll) - clock_.NowMillis(), 0, 60'000);
    cv_.wait_for(lock, std::chrono::milliseconds(wait_ms),
                 [this] { return stopping_ || rescan_ || !reported_.empty(); });
    if (stopping_) return;
    std::set<std::string> hosts;
    hosts.swap(reported_);
    const bool rescan = std::exchange(rescan_, false);
    lock.unlock();

    if (poller_ && clock_.NowMillis() >= next_poll) {
      for (auto& host : poller_()) hosts.insert(std::move(host));
      next_poll = clock_.NowMillis() + poll_every_ms_;
    }
    {
      std::lock_guard manager_lock(manager_mu_);
      const int64_t now = clock_.NowMillis();
      for (const auto& host : hosts) manager_.EvaluateForHost(host, now);
      if (now >= next_due || !hosts.empty()) {
        next_due = manager_.EvaluateDue(now);
      } else if (rescan) {
        next_due = manager_.NextDueMs();
      }
      if (next_due == kNeverMs) next_due = now + 60'000;
    }

    lock.lock();
  }
}

}  // namespace vigie::daemon::rules
