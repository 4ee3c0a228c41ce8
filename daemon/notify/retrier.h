// Retrier: the pipeline stage that delivers one Notification through one
// Notifier, retrying retryable failures with exponential backoff and jitter
// (common/backoff.h), waiting at least the peer's Retry-After (capped at
// `max_retry_after`), and giving up once `max_elapsed` has passed (or after
// `max_attempts`, a safety bound).
//
// Counts every attempt's outcome in
//   vigie_notifications_total{channel, outcome="sent|retried|failed"}
// ("retried": an attempt failed and another one follows; "failed": the
// notification was given up).
//
// Time comes from the injected Clock and waits go through the injected
// Sleeper, so tests run without real waits. Send() blocks the calling worker
// thread; it is thread-safe (several workers may share one Retrier).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

#include "common/backoff.h"
#include "common/clock.h"
#include "common/logging.h"
#include "daemon/notify/notifier.h"

namespace prometheus {
class Registry;
template <typename T>
class Family;
class Counter;
}  // namespace prometheus

namespace vigie::daemon::notify {

// Waits between attempts. Returns false when the wait was interrupted
// (shutdown): the Retrier then stops retrying.
class Sleeper {
 public:
  virtual ~Sleeper() = default;
  virtual bool Sleep(std::chrono::milliseconds d) = 0;
};

// Real waiting on a condition variable; Stop() (any thread) wakes every
// sleeper and makes later Sleep() calls return false at once.
class InterruptibleSleeper final : public Sleeper {
 public:
  bool Sleep(std::chrono::milliseconds d) override;
  void Stop();

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopped_ = false;
};

struct RetryOptions {
  Backoff::Options backoff{std::chrono::milliseconds(1'000), std::chrono::milliseconds(60'000), 2.0,
                           0.2};
  std::chrono::milliseconds max_elapsed{std::chrono::minutes(10)};
  // Longest Retry-After honoured; longer requests are capped to it. A shorter
  // Retry-After than the backoff's next delay does not shorten the wait.
  std::chrono::milliseconds max_retry_after{std::chrono::minutes(5)};
  int max_attempts = 100;
};

class Retrier {
 public:
  Retrier(RetryOptions options, const Clock& clock, Sleeper& sleeper,
          prometheus::Registry& registry, uint64_t seed);

  // The final result: OK once delivered; otherwise the last error (retryable
  // tells whether it was given up on time rather than refused).
  NotifyResult Send(Notifier& notifier, const Notification& n);

 private:
  void Count(std::string_view channel, const char* outcome);
  NotifyResult Attempt(Notifier& notifier, const Notification& n);

  RetryOptions options_;
  const Clock& clock_;
  Sleeper& sleeper_;
  prometheus::Family<prometheus::Counter>& counters_;
  std::mutex mu_;  // guards seed_
  uint64_t seed_;
  Logger log_;
};

}  // namespace vigie::daemon::notify
