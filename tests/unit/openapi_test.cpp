#include "http/openapi.hpp"

#include <gtest/gtest.h>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "app.hpp"
#include "config/config.hpp"
#include "core/error.hpp"
#include "events/event.hpp"
#include "http/router.hpp"
#include "support/offline_config.hpp"

namespace authd {
namespace {

using nlohmann::json;
using Operation = std::pair<std::string, std::string>;  // ("GET", "/keys/{id}")

const json& document() {
  static const json kDoc = json::parse(http::openapiDocument());
  return kDoc;
}

// "/keys/:id" → "/keys/{id}", OpenAPI's spelling of a path parameter.
std::string openApiPath(const std::string& pattern) {
  std::string out;
  size_t i = 0;
  while (i < pattern.size()) {
    if (pattern[i] == ':' && (i == 0 || pattern[i - 1] == '/')) {
      const size_t end = pattern.find('/', i);
      const size_t stop = end == std::string::npos ? pattern.size() : end;
      out += "{" + pattern.substr(i + 1, stop - i - 1) + "}";
      i = stop;
    } else {
      out += pattern[i++];
    }
  }
  return out;
}

// The routes a real App registers. Its constructor wires everything but connects to
// nothing (pools are lazy; start() is never called), so no server is needed.
const std::set<Operation>& registeredOperations() {
  static const config::Config kConfig = [] {
    auto c = testing::offlineAppConfig();
    if (!c) throw std::runtime_error("config: " + c.error());
    return *c;
  }();
  static const std::set<Operation> kOps = [] {
    // Its stop-time flush warns that Redis is unreachable: expected here, so not shown.
    const auto level = spdlog::get_level();
    spdlog::set_level(spdlog::level::off);
    std::set<Operation> ops;
    {
      App app(kConfig);
      for (const auto& r : app.router().routes()) {
        ops.emplace(std::string(http::methodName(r.method)), openApiPath(r.pattern));
      }
    }
    spdlog::set_level(level);
    return ops;
  }();
  return kOps;
}

std::set<Operation> documentedOperations(bool servedByNginx) {
  static const std::set<std::string> kMethods{"get", "put", "post", "delete", "options", "head", "patch", "trace"};
  std::set<Operation> ops;
  for (const auto& [path, item] : document().at("paths").items()) {
    for (const auto& [method, op] : item.items()) {
      if (!kMethods.contains(method)) continue;
      if ((op.value("x-served-by", "") == "nginx") != servedByNginx) continue;
      std::string upper = method;
      for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      ops.emplace(upper, path);
    }
  }
  return ops;
}

// Every "$ref" in `node`, anywhere.
void collectRefs(const json& node, std::set<std::string>& refs) {
  if (node.is_object()) {
    for (const auto& [k, v] : node.items()) {
      if (k == "$ref" && v.is_string()) refs.insert(v.get<std::string>());
      else collectRefs(v, refs);
    }
  } else if (node.is_array()) {
    for (const auto& v : node) collectRefs(v, refs);
  }
}

// The embedded document is JSON, OpenAPI 3.0.3, with both security schemes as documented.
TEST(OpenApi, IsOpenApi303WithBothSecuritySchemes) {
  ASSERT_NO_THROW(document());
  EXPECT_EQ(document().at("openapi"), "3.0.3");
  const auto& schemes = document().at("components").at("securitySchemes");
  EXPECT_EQ(schemes.at("bearerAuth").at("type"), "http");
  EXPECT_EQ(schemes.at("bearerAuth").at("scheme"), "bearer");
  EXPECT_EQ(schemes.at("bearerAuth").at("bearerFormat"), "JWT");
  EXPECT_EQ(schemes.at("apiKeyAuth").at("type"), "apiKey");
  EXPECT_EQ(schemes.at("apiKeyAuth").at("in"), "header");
  EXPECT_EQ(schemes.at("apiKeyAuth").at("name"), "x-api-key");
}

// A route the server registers cannot go missing from the document.
TEST(OpenApi, DocumentsEveryRegisteredRoute) {
  const auto documented = documentedOperations(false);
  const auto& registered = registeredOperations();
  ASSERT_GE(registered.size(), 15u);
  for (const auto& [method, path] : registered) {
    EXPECT_TRUE(documented.contains({method, path})) << method << " " << path << " is registered but not documented";
  }
}

// Nothing is documented that authd does not serve, except the nginx-served demo routes.
TEST(OpenApi, DocumentsOnlyRegisteredRoutesOrNginxOnes) {
  const auto& registered = registeredOperations();
  for (const auto& [method, path] : documentedOperations(false)) {
    EXPECT_TRUE(registered.contains({method, path})) << method << " " << path << " is documented but not registered";
  }
  const auto nginx = documentedOperations(true);
  EXPECT_EQ(nginx, (std::set<Operation>{{"GET", "/protected/user-only"},
                                        {"GET", "/protected/service-only"},
                                        {"GET", "/protected/flexible"},
                                        {"GET", "/protected/reports"}}));
  for (const auto& [method, path] : nginx) EXPECT_TRUE(path.starts_with("/protected/")) << path;
}

// Every code authd can put in an error body is in the Error schema's enum (invalid_mode and invalid_cost are
// only ever /verify headers, documented there).
TEST(OpenApi, ErrorSchemaListsEveryCode) {
  const auto& codes = document().at("components").at("schemas").at("Error").at("properties").at("code").at("enum");
  const std::set<std::string> listed(codes.begin(), codes.end());
  for (size_t i = 0; i < kCodeCount; ++i) {
    if (static_cast<Code>(i) == Code::kInvalidMode || static_cast<Code>(i) == Code::kInvalidCost) continue;
    const auto name = std::string(codeName(static_cast<Code>(i)));
    EXPECT_TRUE(listed.contains(name)) << name;
  }
  for (const char* nginx :
       {"bad_request", "payload_too_large", "headers_too_large", "auth_unavailable", "rate_limited"}) {
    EXPECT_TRUE(listed.contains(nginx)) << nginx;
  }
}

// Every operation has a known tag, a security requirement naming declared schemes,
// and responses; every $ref resolves.
TEST(OpenApi, OperationsAreTaggedSecuredAndRefsResolve) {
  const std::set<std::string> tags{"accounts", "keys", "audit", "webhooks", "verify", "operations"};
  const auto& schemes = document().at("components").at("securitySchemes");
  for (const auto& [path, item] : document().at("paths").items()) {
    for (const auto& [method, op] : item.items()) {
      SCOPED_TRACE(method + " " + path);
      ASSERT_TRUE(op.contains("tags"));
      for (const auto& t : op.at("tags")) EXPECT_TRUE(tags.contains(t.get<std::string>())) << t;
      ASSERT_TRUE(op.contains("security"));
      for (const auto& requirement : op.at("security")) {
        for (const auto& [scheme, scopes] : requirement.items()) EXPECT_TRUE(schemes.contains(scheme)) << scheme;
      }
      EXPECT_FALSE(op.at("responses").empty());
    }
  }
  std::set<std::string> refs;
  collectRefs(document(), refs);
  for (const auto& ref : refs) {
    ASSERT_TRUE(ref.starts_with("#/")) << ref;
    EXPECT_NO_THROW((void)document().at(json::json_pointer(ref.substr(1)))) << ref;
  }
}

// The webhook routes (SPEC.md "Events") are documented with their schemas: Webhook without a secret, WebhookCreated
// with it, Delivery with every field the route answers, EventType naming exactly the subscribable types.
TEST(OpenApi, DocumentsWebhooks) {
  const auto& paths = document().at("paths");
  for (const auto& [path, method] : std::vector<Operation>{{"/webhooks", "post"},
                                                           {"/webhooks", "get"},
                                                           {"/webhooks/{id}", "delete"},
                                                           {"/webhooks/{id}/deliveries", "get"},
                                                           {"/webhooks/{id}/test", "post"}}) {
    SCOPED_TRACE(method + " " + path);
    const auto& op = paths.at(path).at(method);
    EXPECT_EQ(op.at("tags"), json::array({"webhooks"}));
    EXPECT_EQ(op.at("security"), json::parse(R"([{"bearerAuth": []}])"));
  }
  const auto& post = paths.at("/webhooks").at("post").at("responses");
  for (const char* status : {"201", "400", "401", "409"}) EXPECT_TRUE(post.contains(status)) << status;
  EXPECT_TRUE(paths.at("/webhooks/{id}").at("delete").at("responses").contains("204"));
  EXPECT_TRUE(paths.at("/webhooks/{id}/test").at("post").at("responses").contains("202"));

  const auto& schemas = document().at("components").at("schemas");
  EXPECT_FALSE(schemas.at("Webhook").at("properties").contains("secret"));
  EXPECT_EQ(schemas.at("WebhookCreated").at("allOf").at(0).at("$ref"), "#/components/schemas/Webhook");
  std::set<std::string> delivery;
  for (const auto& [k, v] : schemas.at("Delivery").at("properties").items()) delivery.insert(k);
  EXPECT_EQ(delivery, (std::set<std::string>{"id", "eventId", "type", "state", "attempts", "lastStatus", "lastError",
                                             "lastAttemptAt", "nextAttemptAt", "createdAt"}));
  std::set<std::string> documented;
  for (const auto& t : schemas.at("EventType").at("enum")) documented.insert(t.get<std::string>());
  std::set<std::string> subscribable;
  for (const auto t : events::subscribableTypes()) subscribable.insert(std::string(t));
  EXPECT_EQ(documented, subscribable);
}

}  // namespace
}  // namespace authd
