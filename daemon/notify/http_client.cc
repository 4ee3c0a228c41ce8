#include "daemon/notify/http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <memory>

#include "common/strings.h"

namespace vigie::daemon::notify {

CurlRuntime::CurlRuntime() : ok_(curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK) {}

CurlRuntime::~CurlRuntime() {
  if (ok_) curl_global_cleanup();
}

namespace {

constexpr size_t kMaxBody = 16 * 1024;

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

size_t WriteBody(char* data, size_t size, size_t n, void* user) {
  auto* out = static_cast<std::string*>(user);
  const size_t len = size * n;
  if (out->size() < kMaxBody) out->append(data, std::min(len, kMaxBody - out->size()));
  return len;
}

size_t ReadHeader(char* data, size_t size, size_t n, void* user) {
  auto* out = static_cast<HttpPostResponse*>(user);
  const size_t len = size * n;
  std::string_view line(data, len);
  constexpr std::string_view kName = "retry-after:";
  if (line.size() > kName.size()) {
    std::string lower(line.substr(0, kName.size()));
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (lower == kName) {
      std::string_view v = line.substr(kName.size());
      while (!v.empty() && std::isspace(static_cast<unsigned char>(v.front()))) v.remove_prefix(1);
      while (!v.empty() && std::isspace(static_cast<unsigned char>(v.back()))) v.remove_suffix(1);
      out->retry_after = std::string(v);
    }
  }
  return len;
}

bool IsTransient(CURLcode c) {
  switch (c) {
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_NOT_BUILT_IN:
    case CURLE_BAD_FUNCTION_ARGUMENT:
    case CURLE_OUT_OF_MEMORY:
    case CURLE_LOGIN_DENIED:
    case CURLE_PEER_FAILED_VERIFICATION:
      return false;
    default:
      return true;
  }
}

}  // namespace

absl::StatusOr<HttpPostResponse> HttpPost(const CurlRuntime& curl, const HttpPostRequest& req) {
  if (!curl.ok()) return absl::FailedPreconditionError("libcurl could not be initialised");
  std::unique_ptr<CURL, CurlDeleter> h(curl_easy_init());
  if (!h) return absl::ResourceExhaustedError("curl_easy_init failed");
  std::unique_ptr<curl_slist, SlistDeleter> headers;
  auto add_header = [&](const std::string& line) {
    curl_slist* l = curl_slist_append(headers.get(), line.c_str());
    if (l != nullptr) {
      (void)headers.release();
      headers.reset(l);
    }
  };
  add_header(StrCat("Content-Type: ", req.content_type));
  add_header("Expect:");  // no 100-continue round trip
  for (const auto& [k, v] : req.headers) add_header(StrCat(k, ": ", v));
  if (!req.auth.bearer_token.empty()) {
    add_header(StrCat("Authorization: Bearer ", req.auth.bearer_token));
  }
  HttpPostResponse resp;
  CURL* c = h.get();
  curl_easy_setopt(c, CURLOPT_URL, req.url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_POST, 1L);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, req.body.data());
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(req.timeouts.connect.count()));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(req.timeouts.total.count()));
  curl_easy_setopt(c, CURLOPT_USERAGENT, "vigied/" VIGIE_VERSION);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &WriteBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &resp.body);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, &ReadHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &resp);
  if (!req.auth.basic_username.empty()) {
    curl_easy_setopt(c, CURLOPT_HTTPAUTH, static_cast<long>(CURLAUTH_BASIC));
    curl_easy_setopt(c, CURLOPT_USERNAME, req.auth.basic_username.c_str());
    curl_easy_setopt(c, CURLOPT_PASSWORD, req.auth.basic_password.c_str());
  }
  const CURLcode rc = curl_easy_perform(c);
  if (rc != CURLE_OK) {
    std::string msg = StrCat("HTTP POST failed: ", curl_easy_strerror(rc));
    return IsTransient(rc) ? absl::UnavailableError(msg) : absl::InvalidArgumentError(msg);
  }
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp.status);
  return resp;
}

std::optional<std::chrono::milliseconds> ParseRetryAfter(std::string_view value, SystemTime now) {
  if (value.empty()) return std::nullopt;
  if (std::all_of(value.begin(), value.end(),
                  [](unsigned char c) { return std::isdigit(c) != 0; })) {
    if (value.size() > 9) return std::nullopt;  // absurd; let the backoff decide
    return std::chrono::seconds(std::stoll(std::string(value)));
  }
  const std::string date(value);
  const time_t t = curl_getdate(date.c_str(), nullptr);
  if (t < 0) return std::nullopt;
  const auto delta = std::chrono::system_clock::from_time_t(t) - now;
  return std::max(std::chrono::milliseconds(0),
                  std::chrono::duration_cast<std::chrono::milliseconds>(delta));
}

NotifyResult ClassifyHttpResult(std::string_view what,
                                const absl::StatusOr<HttpPostResponse>& result, SystemTime now) {
  if (!result.ok()) {
    absl::Status s(result.status().code(), StrCat(what, ": ", StatusMessage(result.status())));
    return absl::IsUnavailable(result.status()) ? NotifyResult::Retryable(s)
                                                : NotifyResult::Permanent(s);
  }
  const long code = result->status;
  if (code >= 200 && code < 300) return NotifyResult::Ok();
  std::string body = result->body.substr(0, 512);
  std::replace_if(
      body.begin(), body.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
  std::string msg = StrCat(what, ": HTTP ", code, body.empty() ? "" : ": ", body);
  if (code == 429 || code >= 500) {
    return NotifyResult::Retryable(absl::UnavailableError(msg),
                                   ParseRetryAfter(result->retry_after, now));
  }
  return NotifyResult::Permanent(absl::FailedPreconditionError(msg));
}

NotifyResult PostJson(const CurlRuntime& curl, const HttpEndpoint& endpoint, std::string body,
                      std::vector<std::pair<std::string, std::string>> headers,
                      std::string_view what, const Clock& clock, const std::string& url) {
  HttpPostRequest req;
  req.url = url.empty() ? endpoint.url : url;
  req.body = std::move(body);
  req.headers = std::move(headers);
  req.auth = endpoint.auth;
  req.timeouts = endpoint.timeouts;
  return ClassifyHttpResult(what, HttpPost(curl, req), clock.Now());
}

}  // namespace vigie::daemon::notify
