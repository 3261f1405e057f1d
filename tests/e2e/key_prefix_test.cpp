// New keys are named by the stack's API_KEY_PREFIX (sk_ in the test stack: other
// tests rely on it), as a client sees them through nginx: the key is that prefix
// + 64 lowercase hex, its display prefix (in the create answer and in GET /keys)
// is the prefix + the key's first 8 hex, and it verifies on both instances.
#include <gtest/gtest.h>

#include <string>

#include "keys/api_key.hpp"
#include "support/accounts.hpp"
#include "support/api.hpp"
#include "support/http_client.hpp"
#include "support/test_env.hpp"

namespace authd::testing {
namespace {

// True when s is 64 lowercase hex characters.
bool isLowerHex64(std::string_view s) {
  if (s.size() != 64) return false;
  for (const char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// A key created through the public API carries the configured prefix, in the key and in its display prefix.
TEST(E2eKeyPrefixTest, CreatedKeyCarriesTheConfiguredPrefix) {
  const TestEnv& env = testEnv();
  const std::string& prefix = env.apiKeyPrefix;
  ASSERT_TRUE(keys::isValidKeyPrefix(prefix)) << "the stack's API_KEY_PREFIX '" << prefix << "'";
  const Account a = signup(env.nginxPort, "e2e-key-prefix");
  ASSERT_FALSE(a.id.empty());
  const Key k = createKnownKey(env.nginxPort, a, {{"name", "prefixed"}});
  ASSERT_FALSE(k.key.empty());

  ASSERT_TRUE(k.key.starts_with(prefix)) << k.key;
  EXPECT_TRUE(isLowerHex64(std::string_view(k.key).substr(prefix.size()))) << k.key;
  const std::string display = k.key.substr(0, prefix.size() + 8);
  EXPECT_EQ(k.created.value("prefix", ""), display) << k.created.dump();

  const auto list = get(env.nginxPort, "/keys", bearer(a.accessToken));
  ASSERT_TRUE(list && list->status == 200) << describe(list);
  const auto listed = list->json();
  ASSERT_TRUE(listed.is_array() && listed.size() == 1) << list->body;
  EXPECT_EQ(listed[0].value("id", ""), k.id);
  EXPECT_EQ(listed[0].value("prefix", ""), display);

  for (const int n : {1, 2}) {
    const auto r = verifyKeyOn(n, k.key);
    ASSERT_TRUE(r) << describe(r);
    EXPECT_EQ(r->status, 200) << "instance " << n << ": " << describe(r);
    EXPECT_EQ(r->header("x-key-id"), k.id) << "instance " << n;
  }
}

}  // namespace
}  // namespace authd::testing
