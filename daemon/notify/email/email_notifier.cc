#include "daemon/notify/email/email_notifier.h"

#include <curl/curl.h>

#include <algorithm>
#include <cstring>
#include <memory>

#include "common/strings.h"
#include "fmt/chrono.h"
#include "fmt/format.h"

namespace vigie::daemon::notify {

namespace {

// Header values must not carry line breaks (header injection).
std::string OneLine(std::string s) {
  std::replace_if(
      s.begin(), s.end(), [](char c) { return c == '\r' || c == '\n'; }, ' ');
  return s;
}

bool IsAscii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](unsigned char c) { return c < 0x80; });
}

std::string Base64(std::string_view in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const uint32_t v = (static_cast<unsigned char>(in[i]) << 16) |
                       (static_cast<unsigned char>(in[i + 1]) << 8) |
                       static_cast<unsigned char>(in[i + 2]);
    for (int k = 3; k >= 0; --k) out += kAlphabet[(v >> (6 * k)) & 63];
  }
  if (i < in.size()) {
    uint32_t v = static_cast<unsigned char>(in[i]) << 16;
    if (i + 1 < in.size()) v |= static_cast<unsigned char>(in[i + 1]) << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < in.size() ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

// RFC 2047 encoded-word when needed.
std::string EncodeHeader(const std::string& s) {
  if (IsAscii(s)) return s;
  return StrCat("=?UTF-8?B?", Base64(s), "?=");
}

std::string CrLf(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 32);
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r')) out += '\r';
    out += text[i];
  }
  return out;
}

// The domain part of the From address, for Message-ID.
std::string Domain(const std::string& from) {
  auto at = from.rfind('@');
  std::string d = at == std::string::npos ? "vigie.localdomain" : from.substr(at + 1);
  d.erase(std::remove_if(d.begin(), d.end(), [](char c) { return c == '>' || c == ' '; }), d.end());
  return d.empty() ? "vigie.localdomain" : d;
}

// "Name <a@b>" -> "<a@b>"; "a@b" -> "<a@b>" (for MAIL FROM / RCPT TO).
std::string EnvelopeAddress(const std::string& addr) {
  auto lt = addr.find('<');
  auto gt = addr.find('>', lt == std::string::npos ? 0 : lt);
  if (lt != std::string::npos && gt != std::string::npos) return addr.substr(lt, gt - lt + 1);
  return StrCat("<", addr, ">");
}

struct ReadState {
  const std::string* data;
  size_t pos = 0;
};

size_t ReadPayload(char* buf, size_t size, size_t n, void* user) {
  auto* st = static_cast<ReadState*>(user);
  const size_t len = std::min(size * n, st->data->size() - st->pos);
  std::memcpy(buf, st->data->data() + st->pos, len);
  st->pos += len;
  return len;
}

size_t Discard(char*, size_t size, size_t n, void*) { return size * n; }

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

// A page goes to the person paged; a receiver's notification to its `to`.
std::vector<std::string> Recipients(const EmailConfig& config, const Notification& n) {
  if (!n.recipient.email.empty()) return {n.recipient.email};
  return config.to;
}

}  // namespace

std::string BuildEmailMessage(const EmailConfig& config, const Notification& n, SystemTime now) {
  std::string msg;
  const auto secs = std::chrono::floor<std::chrono::seconds>(now);
  StrAppend(msg, "Date: ", fmt::format("{:%a, %d %b %Y %H:%M:%S} +0000", secs), "\r\n");
  StrAppend(msg, "From: ", OneLine(config.from), "\r\n");
  std::string to;
  for (const auto& t : Recipients(config, n)) StrAppend(to, to.empty() ? "" : ", ", OneLine(t));
  StrAppend(msg, "To: ", to, "\r\n");
  StrAppend(msg, "Subject: ", EncodeHeader(OneLine(config.subject.Render(n))), "\r\n");
  StrAppend(msg, "Message-ID: <", n.idempotency_key, "@", Domain(config.from), ">\r\n");
  StrAppend(msg, "X-Vigie-Idempotency-Key: ", n.idempotency_key, "\r\n");
  StrAppend(msg, "X-Vigie-Status: ", NotificationKindName(n.kind), "\r\n");
  StrAppend(msg, "MIME-Version: 1.0\r\n");
  StrAppend(msg, "Content-Type: text/plain; charset=UTF-8\r\n");
  StrAppend(msg, "Content-Transfer-Encoding: 8bit\r\n");
  StrAppend(msg, "Auto-Submitted: auto-generated\r\n\r\n");
  StrAppend(msg, CrLf(config.body.Render(n)));
  if (msg.size() < 2 || msg.substr(msg.size() - 2) != "\r\n") msg += "\r\n";
  return msg;
}

EmailNotifier::EmailNotifier(const CurlRuntime& curl, const Clock& clock, EmailConfig config)
    : curl_(curl), clock_(clock), config_(std::move(config)) {
  url_ = config_.smarthost.find("://") == std::string::npos ? StrCat("smtp://", config_.smarthost)
                                                            : config_.smarthost;
  if (!config_.hello.empty()) StrAppend(url_, "/", config_.hello);
}

NotifyResult EmailNotifier::Notify(const Notification& n) {
  if (SkipResolved(n, config_.send_resolved)) return NotifyResult::Ok();
  if (!curl_.ok()) return NotifyResult::Permanent(absl::FailedPreconditionError("email: no curl"));
  std::unique_ptr<CURL, CurlDeleter> h(curl_easy_init());
  if (!h) return NotifyResult::Retryable(absl::ResourceExhaustedError("email: curl_easy_init"));
  CURL* c = h.get();
  const std::string message = BuildEmailMessage(config_, n, clock_.Now());
  ReadState state{&message};
  std::unique_ptr<curl_slist, SlistDeleter> rcpt;
  for (const auto& t : Recipients(config_, n)) {
    curl_slist* l = curl_slist_append(rcpt.get(), EnvelopeAddress(t).c_str());
    if (l != nullptr) {
      (void)rcpt.release();
      rcpt.reset(l);
    }
  }
  const std::string mail_from = EnvelopeAddress(config_.from);
  const bool smtps = url_.rfind("smtps://", 0) == 0;
  curl_easy_setopt(c, CURLOPT_URL, url_.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  if (!smtps) {
    curl_easy_setopt(c, CURLOPT_USE_SSL,
                     static_cast<long>(config_.require_tls ? CURLUSESSL_ALL : CURLUSESSL_TRY));
  }
  if (!config_.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, config_.ca_file.c_str());
  if (!config_.auth_username.empty()) {
    curl_easy_setopt(c, CURLOPT_USERNAME, config_.auth_username.c_str());
    curl_easy_setopt(c, CURLOPT_PASSWORD, config_.auth_password.c_str());
  }
  curl_easy_setopt(c, CURLOPT_MAIL_FROM, mail_from.c_str());
  curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt.get());
  curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(c, CURLOPT_READFUNCTION, &ReadPayload);
  curl_easy_setopt(c, CURLOPT_READDATA, &state);
  curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(message.size()));
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &Discard);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(config_.connect_timeout.count()));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(config_.timeout.count()));
  const CURLcode rc = curl_easy_perform(c);
  if (rc == CURLE_OK) return NotifyResult::Ok();
  long reply = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &reply);
  const std::string msg =
      reply > 0 ? StrCat("email: SMTP reply ", reply, " (", curl_easy_strerror(rc), ")")
                : StrCat("email: ", curl_easy_strerror(rc));
  if (reply >= 500) return NotifyResult::Permanent(absl::FailedPreconditionError(msg));
  if (reply >= 400) return NotifyResult::Retryable(absl::UnavailableError(msg));
  switch (rc) {
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_LOGIN_DENIED:
    case CURLE_USE_SSL_FAILED:  // server has no STARTTLS but TLS is required
    case CURLE_PEER_FAILED_VERIFICATION:
      return NotifyResult::Permanent(absl::FailedPreconditionError(msg));
    default:
      return NotifyResult::Retryable(absl::UnavailableError(msg));
  }
}

}  // namespace vigie::daemon::notify
