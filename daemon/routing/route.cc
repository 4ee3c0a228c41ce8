#include "daemon/routing/route.h"

#include <algorithm>

#include "common/strings.h"

namespace vigie::daemon::routing {

std::vector<const Route*> Route::Match(const Labels& labels) const {
  std::vector<const Route*> out;
  MatchInto(labels, out);
  return out;
}

void Route::MatchInto(const Labels& labels, std::vector<const Route*>& out) const {
  if (!MatchesAll(matchers_, labels)) return;
  const size_t before = out.size();
  for (const auto& child : children_) {
    const size_t n = out.size();
    child->MatchInto(labels, out);
    if (out.size() > n && !child->continue_) break;
  }
  if (out.size() == before) out.push_back(this);
}

Labels Route::GroupLabels(const Labels& alert_labels) const {
  if (options_.group_by_all) return alert_labels;
  Labels out;
  for (const Label& l : alert_labels) {
    if (std::binary_search(options_.group_by.begin(), options_.group_by.end(), l.name)) {
      out.push_back(l);
    }
  }
  return out;
}

namespace {

constexpr std::string_view kGroupByAll = "...";

std::string MatchersKey(const std::vector<Matcher>& matchers) {
  std::string out = "{";
  for (size_t i = 0; i < matchers.size(); ++i) {
    if (i > 0) out += ',';
    out += matchers[i].ToString();
  }
  out += '}';
  return out;
}

// Reads one route mapping; `options` holds the parent's effective settings on
// entry. `where` is "route" or "route.routes[2]"...
std::unique_ptr<Route> ParseRoute(const YAML::Node& node, const std::string& where,
                                  RouteOptions options, const std::string& parent_key, size_t index,
                                  const std::vector<std::string>& receivers,
                                  const std::vector<std::string>* policies, ConfigErrors& errors) {
  const bool root = parent_key.empty();
  MapReader r(node, where, errors);

  std::string escalation;
  r.String("escalation", escalation);
  if (!escalation.empty()) {
    if (policies != nullptr &&
        std::find(policies->begin(), policies->end(), escalation) == policies->end()) {
      errors.Add(node["escalation"], StrCat("\"", r.Path("escalation"),
                                            "\": unknown escalation policy \"", escalation, "\""));
    }
    options.escalation = escalation;
  }

  std::string receiver;
  r.String("receiver", receiver);
  if (!receiver.empty()) {
    if (std::find(receivers.begin(), receivers.end(), receiver) == receivers.end()) {
      errors.Add(node["receiver"],
                 StrCat("\"", r.Path("receiver"), "\": unknown receiver \"", receiver, "\""));
    }
    options.receiver = receiver;
  } else if (root) {
    errors.Add(node, StrCat("\"", where, "\" must name a receiver (the default one)"));
  }

  std::vector<std::string> group_by;
  bool has_group_by = node.IsMap() && node["group_by"].IsDefined();
  r.StringList("group_by", group_by);
  if (has_group_by) {
    const bool all = std::find(group_by.begin(), group_by.end(), kGroupByAll) != group_by.end();
    if (all && group_by.size() > 1) {
      errors.Add(node["group_by"],
                 StrCat("\"", r.Path("group_by"), "\": \"...\" must be the only label"));
    }
    for (const auto& name : group_by) {
      if (name != kGroupByAll && !IsValidLabelName(name)) {
        errors.Add(node["group_by"],
                   StrCat("\"", r.Path("group_by"), "\": invalid label name \"", name, "\""));
      }
    }
    std::sort(group_by.begin(), group_by.end());
    if (std::adjacent_find(group_by.begin(), group_by.end()) != group_by.end()) {
      errors.Add(node["group_by"], StrCat("\"", r.Path("group_by"), "\": duplicate label"));
    }
    options.group_by_all = all;
    options.group_by = all ? std::vector<std::string>{} : std::move(group_by);
  }

  r.Duration("group_wait", options.group_wait);
  r.Duration("group_interval", options.group_interval, std::chrono::milliseconds(1));
  r.Duration("repeat_interval", options.repeat_interval, std::chrono::milliseconds(1));

  std::vector<Matcher> matchers;
  r.MatcherList("matchers", matchers);
  bool continue_matching = false;
  r.Bool("continue", continue_matching);
  if (root && !matchers.empty()) {
    errors.Add(node["matchers"], "the root route must not have matchers: it receives every alert");
  }
  if (root && continue_matching) {
    errors.Add(node["continue"], "the root route cannot have \"continue\"");
  }

  std::string key =
      root ? MatchersKey(matchers) : StrCat(parent_key, "/", MatchersKey(matchers), "/", index);
  YAML::Node children = r.Sequence("routes");
  r.Finish();

  auto route = std::make_unique<Route>(options, std::move(matchers), continue_matching, key);
  if (children.IsDefined()) {
    for (size_t i = 0; i < children.size(); ++i) {
      route->AddChild(ParseRoute(children[i], StrCat(where, ".routes[", i, "]"), options, key, i,
                                 receivers, policies, errors));
    }
  }
  return route;
}

}  // namespace

std::unique_ptr<Route> ParseRouteTree(const YAML::Node& node,
                                      const std::vector<std::string>& receivers,
                                      ConfigErrors& errors,
                                      const std::vector<std::string>* escalation_policies) {
  if (!node.IsDefined() || node.IsNull()) {
    errors.AddAtLine(0, "\"route\" is required");
    return std::make_unique<Route>(RouteOptions{}, std::vector<Matcher>{}, false, "{}");
  }
  return ParseRoute(node, "route", RouteOptions{}, "", 0, receivers, escalation_policies, errors);
}

}  // namespace vigie::daemon::routing
