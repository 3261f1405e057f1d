// GET /.well-known/jwks.json through the route table: the document AccessTokens builds, cacheable, and
// empty under HS256.
#include "http/jwks_route.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>

#include "core/clock.hpp"
#include "support/routes.hpp"
#include "unit/test_keys.hpp"

namespace authd::http {
namespace {

using namespace std::chrono_literals;

std::shared_ptr<const crypto::SigningKey> key(std::string_view pem) {
  auto k = crypto::SigningKey::fromPem(pem, "test.pem", std::nullopt, false);
  EXPECT_TRUE(k) << k.error();
  return std::make_shared<const crypto::SigningKey>(std::move(*k));
}

HttpResponse getJwks(const tokens::AccessTokens& tokens) {
  Router router;
  addJwksRoute(router, tokens);
  EXPECT_EQ(router.routes().size(), 1u);
  EXPECT_EQ(router.routes()[0].exec, Exec::kInline);
  HttpRequest req;
  req.path = "/.well-known/jwks.json";
  return testing::dispatch(router, req);
}

// Under ES256 with a previous EdDSA key: 200, both public keys (current first) with kid/alg/use, and
// Cache-Control: public, max-age=300.
TEST(JwksRouteTest, PublishesCurrentThenPrevious) {
  FakeClock clock;
  const auto tokens = tokens::AccessTokens::create(
      {"jwks-route-test-secret-0123456789abcdef", key(testkeys::kEcP256Pem), {key(testkeys::kEd25519PublicPem)}},
      "authd", 1h, clock);
  const HttpResponse r = getJwks(*tokens);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.contentType, "application/json");
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0], (std::pair<std::string, std::string>{"Cache-Control", "public, max-age=300"}));
  const auto doc = nlohmann::json::parse(r.body);
  ASSERT_EQ(doc["keys"].size(), 2u);
  EXPECT_EQ(doc["keys"][0]["kid"], tokens->currentKid());
  EXPECT_EQ(doc["keys"][0]["alg"], "ES256");
  EXPECT_EQ(doc["keys"][0]["use"], "sig");
  EXPECT_EQ(doc["keys"][1]["alg"], "EdDSA");
  EXPECT_EQ(doc["keys"][1]["kty"], "OKP");
}

// Under HS256 the key list is empty: neither the secret nor anything derived from it is published.
TEST(JwksRouteTest, EmptyUnderHs256) {
  FakeClock clock;
  const std::string secret = "jwks-route-test-secret-0123456789abcdef";
  const auto tokens = tokens::AccessTokens::createHs256(secret, "authd", 1h, clock);
  const HttpResponse r = getJwks(*tokens);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"keys":[]})");
  EXPECT_EQ(r.body.find(tokens->currentKid()), std::string::npos);
}

}  // namespace
}  // namespace authd::http
