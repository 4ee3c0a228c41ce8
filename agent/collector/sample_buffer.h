// SampleBuffer: a SampleSink that keeps every sample in memory, in the order
// added, with labels sorted by name. Used by `vigie-agent once` style callers
// and by tests. Not thread-safe.
#pragma once

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "agent/collector/collector.h"

namespace vigie::agent {

struct Sample {
  std::string name;
  MetricType type = MetricType::kUntyped;
  Labels labels;  // sorted by name
  double value = 0;
};

class SampleBuffer final : public SampleSink {
 public:
  void Add(const MetricDesc& desc, Labels labels, double value) override {
    std::sort(labels.begin(), labels.end());
    samples_.push_back(Sample{std::string(desc.name), desc.type, std::move(labels), value});
  }

  const std::vector<Sample>& samples() const { return samples_; }
  void Clear() { samples_.clear(); }

  // Number of samples named `name`.
  size_t Count(std::string_view name) const {
    return static_cast<size_t>(std::count_if(samples_.begin(), samples_.end(),
                                             [&](const Sample& s) { return s.name == name; }));
  }

  // Value of the sample with exactly these labels (any order), if present.
  std::optional<double> Find(std::string_view name, Labels labels = {}) const {
    std::sort(labels.begin(), labels.end());
    for (const Sample& s : samples_) {
      if (s.name == name && s.labels == labels) return s.value;
    }
    return std::nullopt;
  }

 private:
  std::vector<Sample> samples_;
};

}  // namespace vigie::agent
