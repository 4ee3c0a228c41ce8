#include "daemon/notify/retrier.h"

#include <algorithm>
#include <exception>
#include <string>

#include "common/strings.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/registry.h"

namespace vigie::daemon::notify {

bool InterruptibleSleeper::Sleep(std::chrono::milliseconds d) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, d, [this] { return stopped_; });
  return !stopped_;
}

void InterruptibleSleeper::Stop() {
  {
    std::lock_guard lock(mu_);
    stopped_ = true;
  }
  cv_.notify_all();
}

Retrier::Retrier(RetryOptions options, const Clock& clock, Sleeper& sleeper,
                 prometheus::Registry& registry, uint64_t seed)
    : options_(options),
      clock_(clock),
      sleeper_(sleeper),
      counters_(prometheus::BuildCounter()
                    .Name("vigie_notifications_total")
                    .Help("Notification delivery attempts by channel and outcome (sent, retried: "
                          "failed and tried again, failed: given up).")
                    .Register(registry)),
      seed_(seed),
      log_(MakeLogger("notify")) {}

void Retrier::Count(std::string_view channel, const char* outcome) {
  counters_.Add({{"channel", std::string(channel)}, {"outcome", outcome}}).Increment();
}

NotifyResult Retrier::Attempt(Notifier& notifier, const Notification& n) {
  // The notifier boundary: nothing may escape it.
  try {
    return notifier.Notify(n);
  } catch (const std::exception& e) {
    return NotifyResult::Permanent(absl::InternalError(StrCat(notifier.channel(), ": ", e.what())));
  } catch (...) {
    return NotifyResult::Permanent(
        absl::InternalError(StrCat(notifier.channel(), ": unknown exception")));
  }
}

NotifyResult Retrier::Send(Notifier& notifier, const Notification& n) {
  uint64_t seed;
  {
    std::lock_guard lock(mu_);
    seed = seed_++;
  }
  Backoff backoff(options_.backoff, seed);
  const SystemTime start = clock_.Now();
  const auto deadline = start + options_.max_elapsed;
  const std::string_view channel = notifier.channel();
  for (int attempt = 1;; ++attempt) {
    NotifyResult r = Attempt(notifier, n);
    if (r.status.ok()) {
      Count(channel, "sent");
      return r;
    }
    if (!r.retryable || attempt >= options_.max_attempts) {
      Count(channel, "failed");
      log_->warn("notification {} to {} via {} failed after {} attempt(s): {}", n.idempotency_key,
                 n.receiver, channel, attempt, StatusMessage(r.status));
      return r;
    }
    // Retry-After means "not before": wait at least that long (capped), and
    // never less than the backoff, so "Retry-After: 0" cannot make us spin.
    auto wait = backoff.Next();
    if (r.retry_after) wait = std::max(wait, std::min(*r.retry_after, options_.max_retry_after));
    if (clock_.Now() + wait > deadline) {
      Count(channel, "failed");
      log_->warn("notification {} to {} via {} given up after {} attempt(s): {}", n.idempotency_key,
                 n.receiver, channel, attempt, StatusMessage(r.status));
      return r;
    }
    Count(channel, "retried");
    log_->info("notification {} to {} via {}: {}; retrying in {} ms", n.idempotency_key, n.receiver,
               channel, StatusMessage(r.status), wait.count());
    if (!sleeper_.Sleep(wait)) {
      Count(channel, "failed");
      return NotifyResult::Retryable(
          absl::CancelledError(StrCat("shutting down; last error: ", StatusMessage(r.status))));
    }
  }
}

}  // namespace vigie::daemon::notify
