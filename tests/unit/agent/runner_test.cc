#include "agent/collector/runner.h"

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "agent/collector/sample_buffer.h"
#include "gtest/gtest.h"
#include "spdlog/sinks/ringbuffer_sink.h"
#include "spdlog/spdlog.h"

namespace vigie::agent {
namespace {

constexpr MetricDesc kTestMetric{"test_value", MetricType::kGauge, "test"};

enum class Behaviour { kOk, kError, kThrowStd, kThrowInt };

// Emits test_value{from=<name>} 1, then behaves as told.
class ScriptedCollector final : public Collector {
 public:
  ScriptedCollector(std::string name, Behaviour* behaviour,
                    std::chrono::milliseconds sleep = std::chrono::milliseconds(0))
      : name_(std::move(name)), behaviour_(behaviour), sleep_(sleep) {}
  std::string_view name() const override { return name_; }
  absl::Status Collect(SampleSink& sink) override {
    sink.Add(kTestMetric, {{"from", name_}}, 1);
    std::this_thread::sleep_for(sleep_);
    switch (*behaviour_) {
      case Behaviour::kOk:
        return absl::OkStatus();
      case Behaviour::kError:
        return absl::UnavailableError("no data today");
      case Behaviour::kThrowStd:
        throw std::runtime_error("boom");
      case Behaviour::kThrowInt:
        throw 42;
    }
    return absl::OkStatus();
  }

 private:
  const std::string name_;
  Behaviour* const behaviour_;
  const std::chrono::milliseconds sleep_;
};

Labels Of(const char* collector) { return {{"collector", collector}}; }

TEST(CollectorRunnerTest, FailuresDoNotStopOtherCollectors) {
  Behaviour throws_std = Behaviour::kThrowStd;
  Behaviour throws_int = Behaviour::kThrowInt;
  Behaviour errors = Behaviour::kError;
  Behaviour ok = Behaviour::kOk;
  std::vector<std::unique_ptr<Collector>> collectors;
  collectors.push_back(std::make_unique<ScriptedCollector>("throws_std", &throws_std));
  collectors.push_back(std::make_unique<ScriptedCollector>("throws_int", &throws_int));
  collectors.push_back(std::make_unique<ScriptedCollector>("errors", &errors));
  collectors.push_back(
      std::make_unique<ScriptedCollector>("slow_ok", &ok, std::chrono::milliseconds(20)));
  FakeClock clock;
  CollectorRunner runner(std::move(collectors), clock);
  SampleBuffer sink;
  runner.CollectRound(sink);

  // What each collector emitted before failing is kept.
  EXPECT_EQ(sink.Count("test_value"), 4u);
  EXPECT_EQ(sink.Find("vigie_agent_collector_success", Of("throws_std")).value(), 0);
  EXPECT_EQ(sink.Find("vigie_agent_collector_success", Of("throws_int")).value(), 0);
  EXPECT_EQ(sink.Find("vigie_agent_collector_success", Of("errors")).value(), 0);
  EXPECT_EQ(sink.Find("vigie_agent_collector_success", Of("slow_ok")).value(), 1);
  EXPECT_EQ(sink.Count("vigie_agent_collector_duration_seconds"), 4u);
  EXPECT_GE(sink.Find("vigie_agent_collector_duration_seconds", Of("slow_ok")).value(), 0.02);
  EXPECT_GE(sink.Find("vigie_agent_collector_duration_seconds", Of("errors")).value(), 0);
  for (const Sample& s : sink.samples()) {
    if (s.name.starts_with("vigie_agent_")) {
      EXPECT_EQ(s.type, MetricType::kGauge);
    }
  }
  EXPECT_EQ(sink.samples().size(), 12u);
}

TEST(CollectorRunnerTest, FailureLoggedOnceUntilRecovery) {
  auto ring = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(64);
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>("test", ring));
  spdlog::set_level(spdlog::level::info);

  Behaviour behaviour = Behaviour::kError;
  std::vector<std::unique_ptr<Collector>> collectors;
  collectors.push_back(std::make_unique<ScriptedCollector>("flaky", &behaviour));
  FakeClock clock;
  CollectorRunner runner(std::move(collectors), clock);
  SampleBuffer sink;
  runner.CollectRound(sink);  // first failure: logged
  runner.CollectRound(sink);  // still failing: quiet
  clock.Advance(std::chrono::seconds(30));
  behaviour = Behaviour::kOk;
  runner.CollectRound(sink);  // recovery: logged
  behaviour = Behaviour::kThrowStd;
  runner.CollectRound(sink);  // new failure: logged
  runner.CollectRound(sink);

  const std::vector<std::string> lines = ring->last_formatted();
  spdlog::set_default_logger(previous);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_NE(lines[0].find("[collector.flaky] collector failed: no data today"), std::string::npos)
      << lines[0];
  EXPECT_NE(lines[1].find("recovered after failing for 30s"), std::string::npos) << lines[1];
  EXPECT_NE(lines[2].find("exception: boom"), std::string::npos) << lines[2];
}

}  // namespace
}  // namespace vigie::agent
