#include "daemon/incidents/ack_token.h"

#include <sys/stat.h>

#include "gtest/gtest.h"
#include "tests/testing/test_env.h"

namespace vigie::daemon::incidents {
namespace {

constexpr int64_t kNow = 1'800'000'000'000;

AckSigner Signer(const std::string& key = "0123456789abcdef0123456789abcdef") {
  auto s = AckSigner::Make(key);
  EXPECT_TRUE(s.ok());
  return *s;
}

TEST(AckTokenTest, RoundTrip) {
  const AckSigner signer = Signer();
  const std::string token = signer.Sign({42, "alice:ops", kNow + 60'000, ""});
  auto claim = signer.Verify(token, kNow);
  ASSERT_TRUE(claim.ok()) << claim.status();
  EXPECT_EQ(claim->incident_id, 42);
  EXPECT_EQ(claim->user, "alice:ops");
  EXPECT_EQ(claim->expires_ms, kNow + 60'000);
  EXPECT_EQ(claim->nonce.size(), 32u);
  // URL-safe: no escaping needed in a link.
  EXPECT_EQ(
      token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."),
      std::string::npos);
  // Two links for the same claim are different tokens (fresh nonces).
  EXPECT_NE(signer.Sign({42, "alice", kNow + 60'000, ""}),
            signer.Sign({42, "alice", kNow + 60'000, ""}));
}

TEST(AckTokenTest, ExpiredIsRefused) {
  const AckSigner signer = Signer();
  const std::string token = signer.Sign({1, "alice", kNow, ""});
  auto claim = signer.Verify(token, kNow);
  ASSERT_FALSE(claim.ok());
  EXPECT_EQ(claim.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(claim.status().message(), "link expired");
  EXPECT_TRUE(signer.Verify(token, kNow - 1).ok());
}

TEST(AckTokenTest, ForgedAndDamagedAreRefused) {
  const AckSigner signer = Signer();
  const AckSigner other = Signer("another key, also long enough...");
  const std::string token = signer.Sign({7, "alice", kNow + 60'000, ""});
  // Signed with another key.
  EXPECT_EQ(signer.Verify(other.Sign({7, "alice", kNow + 60'000, ""}), kNow).status().code(),
            absl::StatusCode::kPermissionDenied);
  // The incident id changed in the payload, signature kept.
  const std::string forged_payload = other.Sign({8, "alice", kNow + 60'000, ""});
  const std::string spliced =
      forged_payload.substr(0, forged_payload.find('.')) + token.substr(token.find('.'));
  EXPECT_FALSE(signer.Verify(spliced, kNow).ok());
  // Every single-character change is detected.
  for (size_t i = 0; i < token.size(); ++i) {
    if (token[i] == '.') continue;
    std::string bad = token;
    bad[i] = bad[i] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(signer.Verify(bad, kNow).ok()) << "changed at " << i;
  }
  for (std::string junk : {"", ".", "abc", "abc.def", "a.b.c", "!!!.###"}) {
    auto st = signer.Verify(junk, kNow).status();
    EXPECT_EQ(st.code(), absl::StatusCode::kPermissionDenied) << junk;
    EXPECT_EQ(st.message(), "forged or damaged link") << junk;
  }
}

TEST(AckTokenTest, ShortKeyIsRefused) {
  EXPECT_EQ(AckSigner::Make("short").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(AckTokenTest, KeyFileIsCreatedPrivateAndReused) {
  test_env::TempDir tmp;
  const std::string path = tmp.Path("ack.key");
  auto first = AckSigner::LoadOrCreate(path);
  ASSERT_TRUE(first.ok()) << first.status();
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(st.st_size, 32);
  auto second = AckSigner::LoadOrCreate(path);
  ASSERT_TRUE(second.ok());
  // The same key after a restart: links sent before it still work.
  EXPECT_TRUE(second->Verify(first->Sign({3, "bob", kNow + 1000, ""}), kNow).ok());
  EXPECT_FALSE(AckSigner::LoadOrCreate(tmp.Path("missing-dir/ack.key")).ok());
}

}  // namespace
}  // namespace vigie::daemon::incidents
