#include "http/docs_routes.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "http/openapi.hpp"
#include "support/routes.hpp"

namespace authd::http {
namespace {

using authd::testing::headerOf;

namespace fs = std::filesystem;

HttpResponse get(const Router& router, std::string path) {
  HttpRequest req;
  req.method = Method::kGet;
  req.path = std::move(path);
  return testing::dispatch(router, req, testing::Unmatched::kAnswer);
}

// A throwaway folder standing in for node_modules/swagger-ui-dist.
class AssetDir {
 public:
  AssetDir() {
    std::string tmpl = (fs::temp_directory_path() / "authd-docs-test.XXXXXX").string();
    if (::mkdtemp(tmpl.data())) path_ = tmpl;
  }
  ~AssetDir() {
    std::error_code ec;
    if (!path_.empty()) fs::remove_all(path_, ec);
  }
  void write(const std::string& name, const std::string& text) const { std::ofstream(fs::path(path_) / name) << text; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// /api/docs-json is the embedded document, byte for byte, and JSON.
TEST(DocsRoutes, ServesTheEmbeddedDocument) {
  Router router;
  addDocsRoutes(router, loadDocsAssets(""));
  const auto r = get(router, "/api/docs-json");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.contentType, "application/json");
  EXPECT_EQ(r.body, openapiDocument());
  EXPECT_EQ(nlohmann::json::parse(r.body).at("openapi"), "3.0.3");
}

// Without SWAGGER_UI_DIR the UI is a JSON 404 that says how to install it; the document still works.
TEST(DocsRoutes, WithoutAssetsAnswers404DocsUnavailable) {
  Router router;
  addDocsRoutes(router, loadDocsAssets(""));
  for (const char* path : {"/api/docs", "/api/docs/swagger-ui-bundle.js", "/api/docs/index.html"}) {
    SCOPED_TRACE(path);
    const auto r = get(router, path);
    EXPECT_EQ(r.status, 404);
    const auto body = nlohmann::json::parse(r.body);
    EXPECT_EQ(body.at("code"), "docs_unavailable");
    EXPECT_EQ(body.at("statusCode"), 404);
    EXPECT_NE(body.at("message").get<std::string>().find("SWAGGER_UI_DIR"), std::string::npos);
    EXPECT_EQ(r.body.substr(0, 48), R"({"statusCode":404,"error":"Not Found","message":)");
    EXPECT_TRUE(r.body.ends_with(R"(,"code":"docs_unavailable"})")) << r.body;
    EXPECT_EQ(r.logError, "docs_unavailable");
  }
}

// A folder missing one of the three files the page needs counts as not installed.
TEST(DocsRoutes, MissingRequiredAssetMeansUnavailable) {
  AssetDir dir;
  ASSERT_FALSE(dir.path().empty());
  dir.write("swagger-ui.css", "body{}");
  dir.write("swagger-ui-bundle.js", "bundle");
  const auto assets = loadDocsAssets(dir.path());
  EXPECT_FALSE(assets.unavailable.empty());
  EXPECT_TRUE(assets.files.empty());
}

// Only the fixed set of names is served, each with its media type; nothing else in the folder is reachable.
TEST(DocsRoutes, ServesOnlyTheWhitelistedFiles) {
  AssetDir dir;
  ASSERT_FALSE(dir.path().empty());
  dir.write("swagger-ui.css", "body{}");
  dir.write("swagger-ui-bundle.js", "var SwaggerUIBundle;");
  dir.write("swagger-ui-standalone-preset.js", "var SwaggerUIStandalonePreset;");
  dir.write("secret.txt", "do not serve");
  Router router;
  addDocsRoutes(router, loadDocsAssets(dir.path()));

  const auto index = get(router, "/api/docs");
  EXPECT_EQ(index.status, 200);
  EXPECT_EQ(index.contentType, "text/html; charset=utf-8");
  EXPECT_NE(index.body.find("url: '/api/docs-json'"), std::string::npos);
  EXPECT_NE(index.body.find("/api/docs/swagger-ui-bundle.js"), std::string::npos);
  EXPECT_EQ(get(router, "/api/docs/index.html").body, index.body);

  const auto css = get(router, "/api/docs/swagger-ui.css");
  EXPECT_EQ(css.status, 200);
  EXPECT_EQ(css.contentType, "text/css; charset=utf-8");
  EXPECT_EQ(css.body, "body{}");
  EXPECT_EQ(headerOf(css, "X-Content-Type-Options"), "nosniff");
  const auto js = get(router, "/api/docs/swagger-ui-bundle.js");
  EXPECT_EQ(js.contentType, "application/javascript; charset=utf-8");
  EXPECT_EQ(js.body, "var SwaggerUIBundle;");

  for (const char* path : {"/api/docs/secret.txt", "/api/docs/..%2Fsecret.txt", "/api/docs/../secret.txt",
                           "/api/docs/favicon-16x16.png" /* optional and absent */}) {
    SCOPED_TRACE(path);
    const auto r = get(router, path);
    EXPECT_EQ(r.status, 404);
    EXPECT_EQ(r.body.find("do not serve"), std::string::npos);
  }
}

// /api/docs/ (the slash a browser or a person adds) redirects to /api/docs, where the page's
// assets resolve; with or without Swagger UI installed.
TEST(DocsRoutes, TrailingSlashRedirectsToThePage) {
  AssetDir dir;
  ASSERT_FALSE(dir.path().empty());
  dir.write("swagger-ui.css", "body{}");
  dir.write("swagger-ui-bundle.js", "bundle");
  dir.write("swagger-ui-standalone-preset.js", "preset");
  for (const std::string& swaggerDir : {dir.path(), std::string()}) {
    SCOPED_TRACE("SWAGGER_UI_DIR=" + swaggerDir);
    Router router;
    addDocsRoutes(router, loadDocsAssets(swaggerDir));
    const auto r = get(router, "/api/docs/");
    EXPECT_EQ(r.status, 301);
    EXPECT_EQ(headerOf(r, "Location"), "/api/docs");
  }
}

}  // namespace
}  // namespace authd::http
