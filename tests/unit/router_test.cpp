#include "http/router.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace authd::http {
namespace {

// A handler whose response body names it, so a test can tell which route matched.
Handler named(std::string name) {
  return [name](const HttpRequest&) {
    HttpResponse r;
    r.body = name;
    return r;
  };
}

HttpRequest request(Method method, std::string path) {
  HttpRequest r;
  r.method = method;
  r.path = std::move(path);
  return r;
}

// The name of the matched route's handler, or "" when nothing matched.
std::string handlerOf(const Match& m, const HttpRequest& req) {
  return m.route ? m.route->handler(req).body : std::string{};
}

// The route table of a small authd-like service.
Router sampleRouter() {
  Router r;
  r.add(Method::kGet, "/health", Exec::kInline, named("health"));
  r.add(Method::kPost, "/auth/login", Exec::kWorker, named("login"));
  r.add(Method::kGet, "/keys", Exec::kInline, named("listKeys"));
  r.add(Method::kPost, "/keys", Exec::kWorker, named("createKey"));
  r.add(Method::kGet, "/keys/:id", Exec::kInline, named("getKey"));
  r.add(Method::kDelete, "/keys/:id", Exec::kWorker, named("deleteKey"));
  r.add(Method::kGet, "/users/:uid/keys/:kid", Exec::kInline, named("userKey"));
  return r;
}

// An exact path with the right method matches its route, with its Exec, and no params.
TEST(RouterTest, ExactMatch) {
  const Router router = sampleRouter();
  auto req = request(Method::kPost, "/auth/login");
  req.params = {"stale"};
  const Match m = router.match(req);
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.status, 200);
  EXPECT_EQ(handlerOf(m, req), "login");
  EXPECT_EQ(m.route->exec, Exec::kWorker);
  EXPECT_TRUE(req.params.empty());
}

// The same exact path dispatches on method.
TEST(RouterTest, ExactMatchByMethod) {
  const Router router = sampleRouter();
  auto get = request(Method::kGet, "/keys");
  auto post = request(Method::kPost, "/keys");
  EXPECT_EQ(handlerOf(router.match(get), get), "listKeys");
  EXPECT_EQ(handlerOf(router.match(post), post), "createKey");
}

// A `:id` segment captures the path segment into params.
TEST(RouterTest, CapturesParam) {
  const Router router = sampleRouter();
  auto req = request(Method::kGet, "/keys/4b1d0e2c-aaaa-4bbb-8ccc-123456789abc");
  const Match m = router.match(req);
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.status, 200);
  EXPECT_EQ(handlerOf(m, req), "getKey");
  EXPECT_EQ(req.params, (std::vector<std::string>{"4b1d0e2c-aaaa-4bbb-8ccc-123456789abc"}));
}

// Several params are captured in path order.
TEST(RouterTest, CapturesSeveralParams) {
  const Router router = sampleRouter();
  auto req = request(Method::kGet, "/users/u1/keys/k2");
  const Match m = router.match(req);
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(handlerOf(m, req), "userKey");
  EXPECT_EQ(req.params, (std::vector<std::string>{"u1", "k2"}));
}

// Unknown paths (including a prefix or an extension of a known one) are 404.
TEST(RouterTest, UnknownPathIs404) {
  const Router router = sampleRouter();
  for (const char* path : {"/nope", "/", "", "/healthz", "/health/x", "/auth", "/keys/a/b", "/users/u1/keys",
                           "/users/u1/keyz/k2", "keys/a", "/KEYS"}) {
    auto req = request(Method::kGet, path);
    const Match m = router.match(req);
    EXPECT_EQ(m.route, nullptr) << path;
    EXPECT_EQ(m.status, 404) << path;
  }
}

// A known exact path with another method is 405, not 404.
TEST(RouterTest, ExactPathWrongMethodIs405) {
  const Router router = sampleRouter();
  auto req = request(Method::kGet, "/auth/login");
  const Match m = router.match(req);
  EXPECT_EQ(m.route, nullptr);
  EXPECT_EQ(m.status, 405);
  auto del = request(Method::kDelete, "/keys");
  EXPECT_EQ(router.match(del).status, 405);
}

// A path matching a pattern with another method is 405, not 404.
TEST(RouterTest, PatternedPathWrongMethodIs405) {
  const Router router = sampleRouter();
  auto req = request(Method::kPut, "/keys/abc");
  const Match m = router.match(req);
  EXPECT_EQ(m.route, nullptr);
  EXPECT_EQ(m.status, 405);
  auto post = request(Method::kPost, "/users/u/keys/k");
  EXPECT_EQ(router.match(post).status, 405);
}

// HEAD is served by the GET route of a path, exact or patterned (the server then drops the body); a path with no
// GET route is still 405 for HEAD.
TEST(RouterTest, HeadIsServedByTheGetRoute) {
  const Router router = sampleRouter();
  auto exact = request(Method::kHead, "/keys");
  EXPECT_EQ(handlerOf(router.match(exact), exact), "listKeys");
  auto patterned = request(Method::kHead, "/keys/abc");
  EXPECT_EQ(handlerOf(router.match(patterned), patterned), "getKey");
  EXPECT_EQ(patterned.params, std::vector<std::string>{"abc"});
  auto postOnly = request(Method::kHead, "/auth/login");
  const Match m = router.match(postOnly);
  EXPECT_EQ(m.route, nullptr);
  EXPECT_EQ(m.status, 405);
}

// A trailing slash is a different path, for exact and patterned routes alike.
TEST(RouterTest, TrailingSlashDoesNotMatch) {
  const Router router = sampleRouter();
  for (const char* path : {"/health/", "/keys/", "/keys/abc/", "/users/u/keys/k/"}) {
    auto req = request(Method::kGet, path);
    const Match m = router.match(req);
    EXPECT_EQ(m.route, nullptr) << path;
    EXPECT_EQ(m.status, 404) << path;
  }
}

// An empty segment never matches `:id` (e.g. "/keys//x" or "/users//keys/k").
TEST(RouterTest, EmptySegmentDoesNotMatchParam) {
  const Router router = sampleRouter();
  for (const char* path : {"/keys//", "/keys//abc", "/users//keys/k", "/users/u/keys/", "//keys/abc"}) {
    auto req = request(Method::kGet, path);
    const Match m = router.match(req);
    EXPECT_EQ(m.route, nullptr) << path;
    EXPECT_EQ(m.status, 404) << path;
  }
}

// addSlashRedirect: GET <page>/ answers 301 to <page>; the page itself and other methods are untouched.
TEST(RouterTest, SlashRedirectPointsAtThePage) {
  Router router;
  router.add(Method::kGet, "/console", Exec::kInline, named("console"));
  addSlashRedirect(router, "/console");

  auto slash = request(Method::kGet, "/console/");
  const Match m = router.match(slash);
  ASSERT_NE(m.route, nullptr);
  const HttpResponse r = m.route->handler(slash);
  EXPECT_EQ(r.status, 301);
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0].first, "Location");
  EXPECT_EQ(r.headers[0].second, "/console");

  auto page = request(Method::kGet, "/console");
  const Match p = router.match(page);
  EXPECT_EQ(handlerOf(p, page), "console");

  auto post = request(Method::kPost, "/console/");
  EXPECT_EQ(router.match(post).status, 405);
  auto deeper = request(Method::kGet, "/console//");
  EXPECT_EQ(router.match(deeper).status, 404);
}

// Registering the same method and exact path again replaces the earlier handler.
TEST(RouterTest, LaterExactRegistrationWins) {
  Router router;
  router.add(Method::kGet, "/x", Exec::kInline, named("first"));
  router.add(Method::kGet, "/x", Exec::kWorker, named("second"));
  auto req = request(Method::kGet, "/x");
  const Match m = router.match(req);
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(handlerOf(m, req), "second");
  EXPECT_EQ(m.route->exec, Exec::kWorker);
}

// Registering the same method and pattern again replaces the earlier handler.
TEST(RouterTest, LaterPatternRegistrationWins) {
  Router router;
  router.add(Method::kGet, "/x/:id", Exec::kInline, named("first"));
  router.add(Method::kGet, "/x/:other", Exec::kInline, named("second"));
  auto req = request(Method::kGet, "/x/7");
  const Match m = router.match(req);
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(handlerOf(m, req), "second");
  EXPECT_EQ(req.params, (std::vector<std::string>{"7"}));
}

// An exact route and a pattern covering the same path: the method decides which runs.
TEST(RouterTest, ExactAndPatternShareAPath) {
  Router router;
  router.add(Method::kGet, "/keys/mine", Exec::kInline, named("mine"));
  router.add(Method::kDelete, "/keys/:id", Exec::kInline, named("delete"));
  auto get = request(Method::kGet, "/keys/mine");
  EXPECT_EQ(handlerOf(router.match(get), get), "mine");
  auto del = request(Method::kDelete, "/keys/mine");
  const Match m = router.match(del);
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(handlerOf(m, del), "delete");
  EXPECT_EQ(del.params, (std::vector<std::string>{"mine"}));
  auto put = request(Method::kPut, "/keys/mine");
  EXPECT_EQ(router.match(put).status, 405);
}

// An empty router answers 404 to everything.
TEST(RouterTest, EmptyRouterIs404) {
  Router router;
  auto req = request(Method::kGet, "/");
  const Match m = router.match(req);
  EXPECT_EQ(m.route, nullptr);
  EXPECT_EQ(m.status, 404);
  EXPECT_TRUE(router.routes().empty());
}

// routes() lists every registration, duplicates included, in registration order.
TEST(RouterTest, RoutesListsEverything) {
  Router router = sampleRouter();
  router.add(Method::kGet, "/health", Exec::kInline, named("health2"));
  const auto& routes = router.routes();
  ASSERT_EQ(routes.size(), 8u);
  EXPECT_EQ(routes[0].method, Method::kGet);
  EXPECT_EQ(routes[0].pattern, "/health");
  EXPECT_EQ(routes[4].pattern, "/keys/:id");
  EXPECT_EQ(routes[5].method, Method::kDelete);
  EXPECT_EQ(routes[6].pattern, "/users/:uid/keys/:kid");
  EXPECT_EQ(routes[7].pattern, "/health");
  EXPECT_EQ(routes[7].exec, Exec::kInline);
}

// methodName gives the HTTP spelling of each method.
TEST(RouterTest, MethodNames) {
  EXPECT_EQ(methodName(Method::kGet), "GET");
  EXPECT_EQ(methodName(Method::kPost), "POST");
  EXPECT_EQ(methodName(Method::kPut), "PUT");
  EXPECT_EQ(methodName(Method::kPatch), "PATCH");
  EXPECT_EQ(methodName(Method::kDelete), "DELETE");
  EXPECT_EQ(methodName(Method::kHead), "HEAD");
  EXPECT_EQ(methodName(Method::kOptions), "OPTIONS");
}

}  // namespace
}  // namespace authd::http
