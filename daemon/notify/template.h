// Message templates (mustache, via Debian's libkainjow-mustache-dev, which
// stays inside template.cc). A template is compiled once, at config load, so
// a template that does not compile is refused there with its place; rendering
// a compiled template cannot fail.
//
// Templates see the variables listed in docs/notifications.md ("Template
// variables"): status, title, alerts[] with summary, host, value, runbookURL,
// ackId..., ackURL. Output is plain text: `{{x}}` does NOT HTML-escape.
//
// MessageTemplate is an immutable, cheaply copyable handle; Render() is
// thread-safe.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "daemon/notify/notification.h"

namespace vigie::daemon::notify {

class MessageTemplate {
 public:
  // InvalidArgument "template NAME: line L: <mustache error>" when it does not compile.
  static absl::StatusOr<MessageTemplate> Compile(std::string name, std::string_view source);

  std::string Render(const Notification& n) const;
  const std::string& name() const;

 private:
  struct Impl;
  explicit MessageTemplate(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<Impl> impl_;
};

// The built-in templates: a one-line subject/title and a text body with, per
// alert, the summary, the host, the value, the runbook link and how to
// acknowledge (`vigiectl ack <id>`, and the ack link when there is one).
std::string_view DefaultSubjectSource();
std::string_view DefaultBodySource();
MessageTemplate DefaultSubject();
MessageTemplate DefaultBody();

}  // namespace vigie::daemon::notify
