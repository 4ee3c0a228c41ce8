#include "agent/collector/runner.h"

#include <chrono>
#include <exception>

#include "common/strings.h"

namespace vigie::agent {
namespace {

constexpr MetricDesc kDuration{"vigie_agent_collector_duration_seconds", MetricType::kGauge,
                               "Duration of the last run of a collector."};
constexpr MetricDesc kSuccess{"vigie_agent_collector_success", MetricType::kGauge,
                              "Whether the last run of a collector succeeded."};

}  // namespace

CollectorRunner::CollectorRunner(std::vector<std::unique_ptr<Collector>> collectors,
                                 const Clock& clock)
    : clock_(clock) {
  entries_.reserve(collectors.size());
  for (auto& c : collectors) {
    std::string name(c->name());
    Logger logger = MakeLogger(StrCat("collector.", name));
    entries_.push_back(Entry{std::move(c), std::move(name), std::move(logger), std::nullopt});
  }
}

absl::Status CollectorRunner::RunOne(Collector& collector, SampleSink& sink) {
  try {
    return collector.Collect(sink);
  } catch (const std::exception& e) {
    return absl::InternalError(StrCat("exception: ", e.what()));
  } catch (...) {
    return absl::InternalError("unknown exception");
  }
}

void CollectorRunner::Report(Entry& entry, const absl::Status& status) {
  if (!status.ok() && !entry.failing_since.has_value()) {
    entry.failing_since = clock_.Now();
    entry.logger->warn("collector failed: {} (logged again only after a recovery)",
                       StatusMessage(status));
  } else if (status.ok() && entry.failing_since.has_value()) {
    const auto failed_for =
        std::chrono::duration_cast<std::chrono::seconds>(clock_.Now() - *entry.failing_since);
    entry.logger->info("collector recovered after failing for {}s", failed_for.count());
    entry.failing_since.reset();
  }
}

void CollectorRunner::CollectRound(SampleSink& sink) {
  for (Entry& entry : entries_) {
    const auto start = std::chrono::steady_clock::now();
    const absl::Status status = RunOne(*entry.collector, sink);
    const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
    sink.Add(kDuration, {{"collector", entry.name}}, elapsed.count());
    sink.Add(kSuccess, {{"collector", entry.name}}, status.ok() ? 1 : 0);
    Report(entry, status);
  }
}

}  // namespace vigie::agent
