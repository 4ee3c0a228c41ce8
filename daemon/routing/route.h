// Route: one node of the routing tree, with Alertmanager's semantics.
//
// The root route receives every alert. An alert descends depth-first into the
// first child whose matchers all match it; with `continue: true` on that child,
// the following siblings are tried too. When no child matches, the node itself
// is the result. Children inherit every unset field (receiver, group_by,
// group_wait, group_interval, repeat_interval) from their parent; `matchers`
// and `continue` are never inherited.
//
// A tree is built once from configuration (ParseRouteTree) and is immutable
// afterwards: Match() may be called from several threads at once. Nodes never
// move, so `const Route*` stay valid as long as the tree lives.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "common/config.h"
#include "common/labels.h"
#include "common/matcher.h"
#include "yaml-cpp/yaml.h"

namespace vigie::daemon::routing {

// The effective settings of one route, after inheritance.
struct RouteOptions {
  std::string receiver;
  std::vector<std::string> group_by;  // label names, sorted and unique
  bool group_by_all = false;          // `group_by: ['...']`: every label
  std::chrono::milliseconds group_wait{std::chrono::seconds(30)};
  std::chrono::milliseconds group_interval{std::chrono::minutes(5)};
  std::chrono::milliseconds repeat_interval{std::chrono::hours(4)};
  // Escalation policy (docs/oncall.md) paging people for this route's groups;
  // "" for none. Inherited.
  std::string escalation;
};

class Route {
 public:
  Route(RouteOptions options, std::vector<Matcher> matchers, bool continue_matching,
        std::string key)
      : options_(std::move(options)),
        matchers_(std::move(matchers)),
        continue_(continue_matching),
        key_(std::move(key)) {}

  Route(const Route&) = delete;
  Route& operator=(const Route&) = delete;

  // The routes that take an alert with these labels, in tree order. Empty only
  // when this route's own matchers do not match.
  std::vector<const Route*> Match(const Labels& labels) const;

  // The labels that name the alert's group on this route: the `group_by`
  // labels the alert has (every label with `...`), sorted.
  Labels GroupLabels(const Labels& alert_labels) const;

  const RouteOptions& options() const { return options_; }
  const std::vector<Matcher>& matchers() const { return matchers_; }
  bool continue_matching() const { return continue_; }
  // Unique within a tree and stable across reloads of the same config: the
  // matchers of each node on the path plus the child's position, e.g.
  // `{}/{service="db"}/1`.
  const std::string& key() const { return key_; }
  const std::vector<std::unique_ptr<Route>>& children() const { return children_; }

  Route* AddChild(std::unique_ptr<Route> child) {
    children_.push_back(std::move(child));
    return children_.back().get();
  }

 private:
  void MatchInto(const Labels& labels, std::vector<const Route*>& out) const;

  RouteOptions options_;
  std::vector<Matcher> matchers_;
  bool continue_ = false;
  std::string key_;
  std::vector<std::unique_ptr<Route>> children_;
};

// Reads the `route:` section (a mapping). Every error goes to `errors` as
// `file:line: message`: unknown keys, bad durations (group_interval and
// repeat_interval must be > 0), bad matchers, a receiver not in `receivers`,
// a root without receiver, matchers or `continue` on the root, `...` mixed with
// other group_by labels. Returns the tree even when errors were recorded;
// callers check `errors.empty()`.
// `escalation_policies`: the known policy names for `escalation:` (null: any
// name is accepted, for tools without on-call configuration).
std::unique_ptr<Route> ParseRouteTree(
    const YAML::Node& node, const std::vector<std::string>& receivers, ConfigErrors& errors,
    const std::vector<std::string>* escalation_policies = nullptr);

}  // namespace vigie::daemon::routing
