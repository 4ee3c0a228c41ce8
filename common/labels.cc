#include "common/labels.h"

#include <algorithm>

#include "common/strings.h"

namespace vigie {
namespace {

bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// FNV-1a, 64 bit: fast, stable across runs and platforms.
constexpr uint64_t kFnvPrime = 1099511628211ULL;

}  // namespace

bool IsValidMetricName(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    if (!(IsAlpha(c) || c == ':' || (i > 0 && IsDigit(c)))) return false;
  }
  return true;
}

bool IsValidLabelName(std::string_view name) {
  if (name.empty() || name.starts_with("__")) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    if (!(IsAlpha(c) || (i > 0 && IsDigit(c)))) return false;
  }
  return true;
}

bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t n = 0;
    uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      n = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + n >= s.size()) return false;  // truncated sequence
    for (size_t k = 1; k <= n; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    // Overlong encodings, surrogates and out-of-range code points.
    if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += n + 1;
  }
  return true;
}

absl::Status ValidateSeries(std::string_view metric, const Labels& labels,
                            const LabelLimits& limits) {
  if (!IsValidMetricName(metric)) {
    return absl::InvalidArgumentError(StrCat("invalid metric name \"", metric, "\""));
  }
  if (labels.size() > limits.max_labels) {
    return absl::InvalidArgumentError(StrCat("metric \"", metric, "\" has ", labels.size(),
                                             " labels, limit is ", limits.max_labels));
  }
  for (const Label& l : labels) {
    if (!IsValidLabelName(l.name) || l.name.size() > limits.max_name_length) {
      return absl::InvalidArgumentError(
          StrCat("invalid label name \"", l.name, "\" on metric \"", metric, "\""));
    }
    if (l.name == "host") {
      return absl::InvalidArgumentError(
          StrCat("label \"host\" is reserved (set by vigied) on metric \"", metric, "\""));
    }
    if (l.value.size() > limits.max_value_length) {
      return absl::InvalidArgumentError(StrCat("value of label \"", l.name, "\" on metric \"",
                                               metric, "\" is ", l.value.size(),
                                               " bytes, limit is ", limits.max_value_length));
    }
    if (!IsValidUtf8(l.value)) {
      return absl::InvalidArgumentError(
          StrCat("value of label \"", l.name, "\" on metric \"", metric, "\" is not valid UTF-8"));
    }
  }
  return absl::OkStatus();
}

std::string_view GetLabel(const Labels& labels, std::string_view name) {
  auto it = std::lower_bound(labels.begin(), labels.end(), name,
                             [](const Label& l, std::string_view n) { return l.name < n; });
  return (it != labels.end() && it->name == name) ? std::string_view(it->value)
                                                  : std::string_view();
}

absl::Status NormalizeLabels(Labels& labels) {
  std::sort(labels.begin(), labels.end(),
            [](const Label& a, const Label& b) { return a.name < b.name; });
  for (size_t i = 1; i < labels.size(); ++i) {
    if (labels[i].name == labels[i - 1].name) {
      return absl::InvalidArgumentError(StrCat("duplicate label \"", labels[i].name, "\""));
    }
  }
  return absl::OkStatus();
}

void FingerprintBuilder::Add(std::string_view s) {
  for (unsigned char c : s) {
    h_ ^= c;
    h_ *= kFnvPrime;
  }
  h_ ^= 0xff;  // separator, so ("ab","c") != ("a","bc")
  h_ *= kFnvPrime;
}

std::string FingerprintHex(uint64_t fingerprint) { return fmt::format("{:016x}", fingerprint); }

uint64_t Fingerprint(std::string_view metric, const Labels& labels) {
  FingerprintBuilder b;
  b.Add(metric);
  for (const Label& l : labels) {
    b.Add(l.name);
    b.Add(l.value);
  }
  return b.value();
}

void AppendQuoted(std::string& out, std::string_view value) {
  out += '"';
  for (char c : value) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  out += '"';
}

std::string FormatSeries(std::string_view metric, const Labels& labels) {
  std::string out(metric);
  if (labels.empty()) return out;
  out += '{';
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) out += ',';
    StrAppend(out, labels[i].name, "=");
    AppendQuoted(out, labels[i].value);
  }
  out += '}';
  return out;
}

}  // namespace vigie
