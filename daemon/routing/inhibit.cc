#include "daemon/routing/inhibit.h"

#include <algorithm>

#include "common/strings.h"

namespace vigie::daemon::routing {

namespace {

bool EqualOn(const std::vector<std::string>& names, const Labels& a, const Labels& b) {
  return std::all_of(names.begin(), names.end(),
                     [&](const std::string& n) { return GetLabel(a, n) == GetLabel(b, n); });
}

}  // namespace

Inhibitor::Inhibitor(std::vector<InhibitRule> rules)
    : rules_(std::move(rules)), sources_(rules_.size()) {}

void Inhibitor::Update(const std::vector<Alert>& firing) {
  for (size_t i = 0; i < rules_.size(); ++i) {
    sources_[i].clear();
    for (const Alert& a : firing) {
      if (a.state == AlertState::kFiring && MatchesAll(rules_[i].source_matchers, a.labels)) {
        sources_[i].push_back(a.labels);
      }
    }
  }
}

std::optional<Inhibitor::Found> Inhibitor::Find(const Labels& alert_labels) const {
  for (size_t i = 0; i < rules_.size(); ++i) {
    const InhibitRule& rule = rules_[i];
    if (!MatchesAll(rule.target_matchers, alert_labels)) continue;
    // Two-sided: the alert could also be a source; only sources that are not
    // targets themselves may mute it.
    const bool two_sided = MatchesAll(rule.source_matchers, alert_labels);
    for (const Labels& source : sources_[i]) {
      if (two_sided && MatchesAll(rule.target_matchers, source)) continue;
      if (EqualOn(rule.equal, source, alert_labels)) return Found{i, &source};
    }
  }
  return std::nullopt;
}

bool Inhibitor::Mutes(const Labels& alert_labels, int64_t /*now_ms*/) const {
  return Find(alert_labels).has_value();
}

std::optional<MuteReason> Inhibitor::Reason(const Labels& alert_labels, int64_t /*now_ms*/) const {
  auto found = Find(alert_labels);
  if (!found) return std::nullopt;
  return MuteReason{MuteReason::Kind::kInhibition, StrCat("inhibit_rules[", found->rule, "]"),
                    StrCat("inhibited by ", FormatSeries("", *found->source))};
}

std::vector<InhibitRule> ParseInhibitRules(const YAML::Node& node, ConfigErrors& errors) {
  std::vector<InhibitRule> rules;
  if (!node.IsDefined() || node.IsNull()) return rules;
  if (!node.IsSequence()) {
    errors.Add(node, "\"inhibit_rules\" must be a list");
    return rules;
  }
  for (size_t i = 0; i < node.size(); ++i) {
    const YAML::Node item = node[i];
    const std::string where = StrCat("inhibit_rules[", i, "]");
    MapReader r(item, where, errors);
    InhibitRule rule;
    r.MatcherList("source_matchers", rule.source_matchers);
    r.MatcherList("target_matchers", rule.target_matchers);
    r.StringList("equal", rule.equal);
    r.Finish();
    if (!item.IsMap()) continue;
    for (const char* side : {"source_matchers", "target_matchers"}) {
      if (!item[side].IsDefined() || item[side].size() == 0) {
        errors.Add(item, StrCat("\"", where, ".", side, "\" needs at least one matcher"));
      }
    }
    for (const std::string& name : rule.equal) {
      if (!IsValidLabelName(name)) {
        errors.Add(item["equal"],
                   StrCat("\"", r.Path("equal"), "\": invalid label name \"", name, "\""));
      }
    }
    rules.push_back(std::move(rule));
  }
  return rules;
}

}  // namespace vigie::daemon::routing
