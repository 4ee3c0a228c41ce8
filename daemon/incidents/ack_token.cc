#include "daemon/incidents/ack_token.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <vector>

#include "common/file.h"
#include "common/strings.h"

namespace vigie::daemon::incidents {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr size_t kKeyBytes = 32;

std::string Base64Url(std::string_view in) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  uint32_t acc = 0;
  int bits = 0;
  for (unsigned char c : in) {
    acc = (acc << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(kAlphabet[(acc >> bits) & 0x3f]);
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(acc << (6 - bits)) & 0x3f]);
  return out;
}

bool FromBase64Url(std::string_view in, std::string& out) {
  out.clear();
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    const char* p = std::strchr(kAlphabet, c);
    if (c == '\0' || p == nullptr) return false;
    acc = (acc << 6) | static_cast<uint32_t>(p - kAlphabet);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  // Canonical encodings only: the unused low bits of the last character must be
  // zero, or two spellings of one token would both verify.
  return in.size() % 4 != 1 && (acc & ((1u << bits) - 1)) == 0;
}

std::string Hex(const unsigned char* data, size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    out.push_back(kDigits[data[i] >> 4]);
    out.push_back(kDigits[data[i] & 0xf]);
  }
  return out;
}

template <typename T>
bool ParseNumber(std::string_view s, T& out) {
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && ptr == s.data() + s.size() && !s.empty();
}

// Splits at the first `n` separators; the rest (which may hold more) is last.
std::vector<std::string_view> SplitFirst(std::string_view s, char sep, size_t n) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (size_t i = 0; i < s.size() && parts.size() < n; ++i) {
    if (s[i] == sep) {
      parts.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  parts.push_back(s.substr(start));
  return parts;
}

absl::Status Forged() { return absl::PermissionDeniedError("forged or damaged link"); }

}  // namespace

absl::StatusOr<AckSigner> AckSigner::Make(std::string key) {
  if (key.size() < 16) {
    return absl::InvalidArgumentError("acknowledgement key: at least 16 bytes are needed");
  }
  return AckSigner(std::move(key));
}

absl::StatusOr<AckSigner> AckSigner::LoadOrCreate(const std::string& path) {
  auto existing = ReadFile(path);
  if (existing.ok()) return Make(std::move(*existing));
  if (!absl::IsNotFound(existing.status())) return existing.status();
  unsigned char key[kKeyBytes];
  if (RAND_bytes(key, sizeof key) != 1) {
    return absl::InternalError("acknowledgement key: no random bytes from OpenSSL");
  }
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    return absl::UnavailableError(StrCat("cannot create ", path, ": ", std::strerror(errno)));
  }
  const bool ok =
      ::write(fd, key, sizeof key) == static_cast<ssize_t>(sizeof key) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) return absl::UnavailableError(StrCat("cannot write ", path, ": ", std::strerror(errno)));
  return Make(std::string(reinterpret_cast<const char*>(key), sizeof key));
}

std::string AckSigner::Mac(std::string_view payload) const {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()),
       reinterpret_cast<const unsigned char*>(payload.data()), payload.size(), mac, &len);
  return std::string(reinterpret_cast<const char*>(mac), len);
}

std::string AckSigner::Sign(AckClaim claim) const {
  if (claim.nonce.empty()) {
    unsigned char nonce[16];
    if (RAND_bytes(nonce, sizeof nonce) != 1) std::memset(nonce, 0, sizeof nonce);
    claim.nonce = Hex(nonce, sizeof nonce);
  }
  const std::string payload =
      StrCat("v1:", claim.incident_id, ":", claim.expires_ms, ":", claim.nonce, ":", claim.user);
  return StrCat(Base64Url(payload), ".", Base64Url(Mac(payload)));
}

absl::StatusOr<AckClaim> AckSigner::Verify(std::string_view token, int64_t now_ms) const {
  const size_t dot = token.find('.');
  if (dot == std::string_view::npos || token.size() > 1024) return Forged();
  std::string payload;
  std::string mac;
  if (!FromBase64Url(token.substr(0, dot), payload) || !FromBase64Url(token.substr(dot + 1), mac)) {
    return Forged();
  }
  const std::string expected = Mac(payload);
  if (mac.size() != expected.size() ||
      CRYPTO_memcmp(mac.data(), expected.data(), expected.size()) != 0) {
    return Forged();
  }
  // Signed by us: the payload is well formed unless the format changed.
  const auto parts = SplitFirst(payload, ':', 4);
  AckClaim claim;
  if (parts.size() != 5 || parts[0] != "v1" || !ParseNumber(parts[1], claim.incident_id) ||
      !ParseNumber(parts[2], claim.expires_ms) || parts[3].empty()) {
    return Forged();
  }
  claim.nonce = std::string(parts[3]);
  claim.user = std::string(parts[4]);
  if (now_ms >= claim.expires_ms) return absl::PermissionDeniedError("link expired");
  return claim;
}

}  // namespace vigie::daemon::incidents
