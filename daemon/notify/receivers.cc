#include "daemon/notify/receivers.h"

#include <cstdlib>
#include <filesystem>
#include <set>
#include <utility>

#include "common/file.h"
#include "common/strings.h"

namespace vigie::daemon::notify {

namespace {

using std::chrono::milliseconds;

// Reading context of one channel entry ("receivers[0].webhook_configs[1]").
class EntryReader {
 public:
  EntryReader(const YAML::Node& node, std::string where, ConfigErrors& errors,
              const ReceiverParseOptions& options)
      : node_(node), r_(node, std::move(where), errors), errors_(errors), options_(options) {}

  MapReader& r() { return r_; }
  YAML::Node At(std::string_view key) const {
    // Never operator[] on a non-map: yaml-cpp would make it one.
    return node_.IsMap() ? node_[std::string(key)] : YAML::Node(YAML::NodeType::Undefined);
  }
  void Error(std::string_view key, std::string message) {
    const YAML::Node at = At(key);
    errors_.Add(at.IsDefined() ? at : node_, std::move(message));
  }

  // A secret held in a file (`<key>_file`) or an environment variable
  // (`<key>_env`); an inline `<key>` is refused so that secrets stay out of
  // config files that get pasted into tickets.
  std::string Secret(std::string_view key, bool allow_env) {
    const std::string file_key = StrCat(key, "_file");
    const std::string env_key = StrCat(key, "_env");
    if (At(key).IsDefined()) {
      std::string ignored;
      r_.String(key, ignored);
      Error(key, StrCat("\"", r_.Path(key), "\": put the secret in a file (\"", file_key, "\")",
                        allow_env ? StrCat(" or an environment variable (\"", env_key, "\")") : "",
                        ", not in the configuration"));
      return "";
    }
    std::string file;
    std::string env;
    r_.String(file_key, file);
    if (allow_env) r_.String(env_key, env);
    if (!file.empty() && !env.empty()) {
      Error(env_key,
            StrCat("\"", r_.Path(file_key), "\" and \"", r_.Path(env_key), "\" are exclusive"));
      return "";
    }
    if (!file.empty()) return FromFile(file_key, file);
    if (!env.empty()) {
      std::optional<std::string> v;
      if (options_.getenv) {
        v = options_.getenv(env);
      } else if (const char* e = std::getenv(env.c_str()); e != nullptr) {
        v = std::string(e);
      }
      if (!v || v->empty()) {
        Error(env_key,
              StrCat("\"", r_.Path(env_key), "\": environment variable ", env, " is not set"));
        return "";
      }
      return *v;
    }
    return "";
  }

  // The content of `file` (named by `file_key`), trailing newlines removed.
  std::string FromFile(const std::string& file_key, const std::string& file) {
    const std::string full =
        std::filesystem::path(file).is_absolute() ? file : JoinPath(options_.base_dir, file);
    auto content = ReadFile(full);
    if (!content.ok()) {
      Error(file_key, StrCat("\"", r_.Path(file_key), "\": cannot read \"", full,
                             "\": ", StatusMessage(content.status())));
      return "";
    }
    std::string s = *std::move(content);
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    if (s.empty()) Error(file_key, StrCat("\"", r_.Path(file_key), "\": \"", full, "\" is empty"));
    return s;
  }

  // A URL given inline (`<key>`) or, when it holds a token, in `<key>_file`.
  std::string Url(std::string_view key, bool required) {
    std::string url;
    r_.String(key, url);
    const std::string file_key = StrCat(key, "_file");
    std::string file;
    r_.String(file_key, file);
    if (!file.empty()) {
      if (!url.empty()) {
        Error(file_key,
              StrCat("\"", r_.Path(key), "\" and \"", r_.Path(file_key), "\" are exclusive"));
      }
      url = FromFile(file_key, file);
    }
    if (url.empty()) {
      if (required && file.empty()) {
        Error(key, StrCat("\"", r_.Path(key), "\" (or \"", file_key, "\") is required"));
      }
      return url;
    }
    if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
      Error(At(file_key).IsDefined() ? file_key : std::string(key),
            StrCat("\"", r_.Path(key), "\" must be an http:// or https:// URL"));
    }
    return url;
  }

  // `timeout` and `http_config: {bearer_token_file, basic_auth: {username,
  // password_file}, connect_timeout}`.
  HttpEndpoint Endpoint(std::string_view url_key) {
    HttpEndpoint e;
    e.url = Url(url_key, true);
    r_.Duration("timeout", e.timeouts.total, milliseconds(1));
    const YAML::Node hc = r_.Map("http_config");
    EntryReader h(hc, r_.Path("http_config"), errors_, options_);
    h.r().Duration("connect_timeout", e.timeouts.connect, milliseconds(1));
    e.auth.bearer_token = h.Secret("bearer_token", false);
    const YAML::Node ba = h.r().Map("basic_auth");
    if (ba.IsDefined() && !ba.IsNull()) {
      EntryReader b(ba, h.r().Path("basic_auth"), errors_, options_);
      b.r().String("username", e.auth.basic_username);
      e.auth.basic_password = b.Secret("password", false);
      if (e.auth.basic_username.empty()) {
        b.Error("username", StrCat("\"", b.r().Path("username"), "\" is required"));
      }
      b.r().Finish();
      if (!e.auth.bearer_token.empty()) {
        h.Error("basic_auth", StrCat("\"", h.r().Path("basic_auth"), "\" and \"",
                                     h.r().Path("bearer_token_file"), "\" are exclusive"));
      }
    }
    h.r().Finish();
    return e;
  }

  // A mustache template; `out` keeps its default when the key is absent.
  void Template(std::string_view key, MessageTemplate& out) {
    std::string source;
    r_.String(key, source);
    if (!At(key).IsDefined()) return;
    auto t = MessageTemplate::Compile(r_.Path(key), source);
    if (!t.ok()) {
      Error(key, StatusMessage(t.status()));
      return;
    }
    out = *std::move(t);
  }

 private:
  YAML::Node node_;
  MapReader r_;
  ConfigErrors& errors_;
  const ReceiverParseOptions& options_;
};

EmailConfig ParseEmail(EntryReader& e) {
  EmailConfig c;
  MapReader& r = e.r();
  r.String("smarthost", c.smarthost);
  r.String("from", c.from);
  const YAML::Node to = e.At("to");
  if (to.IsScalar()) {
    std::string s;
    r.String("to", s);
    // Alertmanager's form: comma-separated.
    size_t start = 0;
    while (start <= s.size()) {
      size_t comma = s.find(',', start);
      if (comma == std::string::npos) comma = s.size();
      std::string one = s.substr(start, comma - start);
      one.erase(0, one.find_first_not_of(' '));
      one.erase(one.find_last_not_of(' ') + 1);
      if (!one.empty()) c.to.push_back(one);
      start = comma + 1;
    }
  } else {
    r.StringList("to", c.to);
  }
  r.String("hello", c.hello);
  r.Bool("require_tls", c.require_tls);
  r.String("ca_file", c.ca_file);
  r.String("auth_username", c.auth_username);
  c.auth_password = e.Secret("auth_password", true);
  r.Duration("connect_timeout", c.connect_timeout, milliseconds(1));
  r.Duration("timeout", c.timeout, milliseconds(1));
  r.Bool("send_resolved", c.send_resolved);
  e.Template("subject", c.subject);
  e.Template("text", c.body);
  for (const char* key : {"smarthost", "from"}) {
    if (!e.At(key).IsDefined()) e.Error(key, StrCat("\"", r.Path(key), "\" is required"));
  }
  if (c.to.empty()) e.Error("to", StrCat("\"", r.Path("to"), "\" needs at least one address"));
  if (!c.smarthost.empty() && c.smarthost.find("://") != std::string::npos &&
      c.smarthost.rfind("smtp://", 0) != 0 && c.smarthost.rfind("smtps://", 0) != 0) {
    e.Error("smarthost", StrCat("\"", r.Path("smarthost"),
                                "\" must be host:port, smtp://host:port or smtps://host:port"));
  }
  if (!c.auth_username.empty() && c.auth_password.empty() && !e.At("auth_password").IsDefined()) {
    e.Error("auth_username", StrCat("\"", r.Path("auth_username"),
                                    "\" needs auth_password_file or auth_password_env"));
  }
  return c;
}

ChatConfig ParseChat(EntryReader& e, ChatFormat format) {
  ChatConfig c;
  c.format = format;
  MapReader& r = e.r();
  c.endpoint = e.Endpoint(format == ChatFormat::kSlack ? "api_url" : "webhook_url");
  if (format != ChatFormat::kTeams) {
    r.String("channel", c.channel);
    r.String("username", c.username);
    r.String("icon_emoji", c.icon_emoji);
    r.String("icon_url", c.icon_url);
  }
  r.Bool("send_resolved", c.send_resolved);
  e.Template("title", c.title);
  e.Template("text", c.text);
  return c;
}

ExecConfig ParseExec(EntryReader& e) {
  ExecConfig c;
  MapReader& r = e.r();
  r.StringList("command", c.command);
  r.StringMap("env", c.env);
  r.Duration("timeout", c.timeout, milliseconds(1));
  r.Bool("send_resolved", c.send_resolved);
  if (c.command.empty() || c.command.front().empty()) {
    e.Error("command", StrCat("\"", r.Path("command"),
                              "\" must be a non-empty list: the program and its arguments"));
  }
  for (const auto& [k, v] : c.env) {
    if (k.empty() || k.find('=') != std::string::npos) {
      e.Error("env", StrCat("\"", r.Path("env"), "\": invalid variable name \"", k, "\""));
    }
  }
  return c;
}

// Calls parse(entry reader) for every entry of the sequence `key`.
template <typename Parse>
void ForEachEntry(MapReader& r, std::string_view key, ConfigErrors& errors,
                  const ReceiverParseOptions& options, Parse parse) {
  const YAML::Node seq = r.Sequence(key);
  if (!seq.IsDefined() || seq.IsNull()) return;
  if (!seq.IsSequence()) {
    errors.Add(seq, StrCat("\"", r.Path(key), "\" must be a list"));
    return;
  }
  for (size_t i = 0; i < seq.size(); ++i) {
    EntryReader e(seq[i], StrCat(r.Path(key), "[", i, "]"), errors, options);
    parse(e);
    e.r().Finish();
  }
}

}  // namespace

std::vector<ReceiverConfig> ParseReceivers(const YAML::Node& node, ConfigErrors& errors,
                                           const ReceiverParseOptions& options) {
  std::vector<ReceiverConfig> out;
  if (!node.IsDefined() || node.IsNull()) return out;
  if (!node.IsSequence()) {
    errors.Add(node, "\"receivers\" must be a list");
    return out;
  }
  std::set<std::string> names;
  for (size_t i = 0; i < node.size(); ++i) {
    const YAML::Node item = node[i];
    const size_t errors_before = errors.errors().size();
    ReceiverConfig rc;
    rc.line = item.Mark().is_null() ? 0 : item.Mark().line + 1;
    MapReader r(item, StrCat("receivers[", i, "]"), errors);
    r.String("name", rc.name);
    if (rc.name.empty()) {
      errors.Add(item, StrCat("\"receivers[", i, "].name\" is required"));
    } else if (!names.insert(rc.name).second) {
      errors.Add(item["name"], StrCat("receiver \"", rc.name, "\" is defined twice"));
    }
    ForEachEntry(r, "email_configs", errors, options,
                 [&](EntryReader& e) { rc.email.push_back(ParseEmail(e)); });
    ForEachEntry(r, "webhook_configs", errors, options, [&](EntryReader& e) {
      WebhookConfig c;
      c.endpoint = e.Endpoint("url");
      e.r().Bool("send_resolved", c.send_resolved);
      rc.webhook.push_back(std::move(c));
    });
    ForEachEntry(r, "slack_configs", errors, options,
                 [&](EntryReader& e) { rc.chat.push_back(ParseChat(e, ChatFormat::kSlack)); });
    ForEachEntry(r, "mattermost_configs", errors, options,
                 [&](EntryReader& e) { rc.chat.push_back(ParseChat(e, ChatFormat::kMattermost)); });
    ForEachEntry(r, "teams_configs", errors, options,
                 [&](EntryReader& e) { rc.chat.push_back(ParseChat(e, ChatFormat::kTeams)); });
    ForEachEntry(r, "alertmanager_configs", errors, options, [&](EntryReader& e) {
      AlertmanagerConfig c;
      c.endpoint = e.Endpoint("url");
      e.r().Duration("valid_for", c.valid_for);
      e.r().Bool("send_resolved", c.send_resolved);
      rc.alertmanager.push_back(std::move(c));
    });
    ForEachEntry(r, "exec_configs", errors, options,
                 [&](EntryReader& e) { rc.exec.push_back(ParseExec(e)); });
    r.Finish();
    if (errors.errors().size() == errors_before) out.push_back(std::move(rc));
  }
  return out;
}

absl::StatusOr<std::vector<ReceiverConfig>> LoadReceiversFile(const std::string& path,
                                                              const ReceiverParseOptions& options) {
  ConfigErrors errors(path);
  const YAML::Node root = LoadYamlFile(path, errors);
  ReceiverParseOptions opts = options;
  if (opts.base_dir == ".") {
    opts.base_dir = std::filesystem::path(path).parent_path().string();
    if (opts.base_dir.empty()) opts.base_dir = ".";
  }
  std::vector<ReceiverConfig> out;
  if (errors.empty()) {
    if (!root.IsMap()) {
      errors.Add(root, "the top level must be a mapping with \"receivers\"");
    } else {
      out = ParseReceivers(root["receivers"], errors, opts);
    }
  }
  if (!errors.empty()) return errors.ToStatus();
  return out;
}

std::vector<std::unique_ptr<Notifier>> BuildNotifiers(const ReceiverConfig& receiver,
                                                      const NotifierDeps& deps) {
  std::vector<std::unique_ptr<Notifier>> out;
  for (const auto& c : receiver.email) {
    out.push_back(std::make_unique<EmailNotifier>(deps.curl, deps.clock, c));
  }
  for (const auto& c : receiver.webhook) {
    out.push_back(std::make_unique<WebhookNotifier>(deps.curl, deps.clock, c));
  }
  for (const auto& c : receiver.chat) {
    out.push_back(std::make_unique<ChatNotifier>(deps.curl, deps.clock, c));
  }
  for (const auto& c : receiver.alertmanager) {
    out.push_back(std::make_unique<AlertmanagerNotifier>(deps.curl, deps.clock, c));
  }
  for (const auto& c : receiver.exec) out.push_back(std::make_unique<ExecNotifier>(c));
  return out;
}

}  // namespace vigie::daemon::notify
