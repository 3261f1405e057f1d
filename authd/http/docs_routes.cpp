#include "http/docs_routes.hpp"

#include <spdlog/spdlog.h>

#include <array>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>

#include "http/json_io.hpp"
#include "http/openapi.hpp"

namespace authd::http {
namespace {

struct AssetName {
  std::string_view name;
  std::string_view contentType;
  bool required;  // the page cannot work without it
};

// The only files ever read from SWAGGER_UI_DIR or served under /api/docs/.
constexpr std::array kAssets{
    AssetName{"swagger-ui-bundle.js", "application/javascript; charset=utf-8", true},
    AssetName{"swagger-ui-standalone-preset.js", "application/javascript; charset=utf-8", true},
    AssetName{"swagger-ui.css", "text/css; charset=utf-8", true},
    AssetName{"favicon-16x16.png", "image/png", false},
    AssetName{"favicon-32x32.png", "image/png", false},
    AssetName{"oauth2-redirect.html", "text/html; charset=utf-8", false},
};

constexpr std::string_view kIndexName = "index.html";
constexpr size_t kMaxAssetBytes = 32 << 20;

constexpr std::string_view kNotInstalled =
    "Swagger UI is not installed: run `npm ci` in authd's repository and start authd with "
    "SWAGGER_UI_DIR=<repository>/node_modules/swagger-ui-dist (the document itself is at /api/docs-json)";

// Ours, not the package's: it points Swagger UI at /api/docs-json and keeps it off the network
// (no validator badge), with authorizations kept across reloads.
constexpr std::string_view kIndexHtml = R"html(<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>authd API</title>
  <link rel="stylesheet" href="/api/docs/swagger-ui.css">
  <link rel="icon" type="image/png" href="/api/docs/favicon-32x32.png" sizes="32x32">
  <link rel="icon" type="image/png" href="/api/docs/favicon-16x16.png" sizes="16x16">
  <style>html { box-sizing: border-box; overflow-y: scroll; } body { margin: 0; background: #fafafa; }</style>
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/api/docs/swagger-ui-bundle.js"></script>
  <script src="/api/docs/swagger-ui-standalone-preset.js"></script>
  <script>
    window.onload = function () {
      window.ui = SwaggerUIBundle({
        url: '/api/docs-json',
        dom_id: '#swagger-ui',
        deepLinking: true,
        persistAuthorization: true,
        tryItOutEnabled: false,
        displayRequestDuration: true,
        validatorUrl: null,
        oauth2RedirectUrl: window.location.origin + '/api/docs/oauth2-redirect.html',
        presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
        plugins: [SwaggerUIBundle.plugins.DownloadUrl],
        layout: 'StandaloneLayout'
      });
    };
  </script>
</body>
</html>
)html";

// The whole file, or an error naming it.
std::optional<std::string> readFile(const std::filesystem::path& path, std::string& error) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) {
    error = path.string() + ": " + ec.message();
    return std::nullopt;
  }
  if (size > kMaxAssetBytes) {
    error = path.string() + ": larger than 32 MiB";
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  if (!in.good() && !in.eof()) {
    error = path.string() + ": read failed";
    return std::nullopt;
  }
  return std::move(out).str();
}

// The message says how to install the assets (a 404's message is public).
HttpResponse docsUnavailable(const std::string& message) {
  return errorResponse(Error(Code::kDocsUnavailable, message));
}

HttpResponse fileResponse(const DocsAssets::File& f, std::string_view cacheControl) {
  HttpResponse r;
  r.body = f.body;
  r.contentType = f.contentType;
  r.header("Cache-Control", std::string(cacheControl));
  r.header("X-Content-Type-Options", "nosniff");
  return r;
}

}  // namespace

DocsAssets loadDocsAssets(const std::string& swaggerUiDir) {
  DocsAssets assets;
  if (swaggerUiDir.empty()) {
    assets.unavailable = kNotInstalled;
    return assets;
  }
  for (const auto& a : kAssets) {
    std::string error;
    auto body = readFile(std::filesystem::path(swaggerUiDir) / a.name, error);
    if (body) {
      assets.files.emplace(std::string(a.name), DocsAssets::File{std::string(a.contentType), std::move(*body)});
    } else if (a.required) {
      spdlog::warn("SWAGGER_UI_DIR: {}; /api/docs answers 404 docs_unavailable", error);
      assets.files.clear();
      assets.unavailable = kNotInstalled;
      return assets;
    }
  }
  assets.files.emplace(std::string(kIndexName), DocsAssets::File{"text/html; charset=utf-8", std::string(kIndexHtml)});
  return assets;
}

void addDocsRoutes(Router& router, DocsAssets loaded) {
  auto assets = std::make_shared<const DocsAssets>(std::move(loaded));

  router.add(Method::kGet, "/api/docs-json", Exec::kInline, [](const HttpRequest&) {
    HttpResponse r;
    r.body = std::string(openapiDocument());
    r.header("Cache-Control", "no-cache");
    return r;
  });

  router.add(Method::kGet, "/api/docs", Exec::kInline, [assets](const HttpRequest&) {
    if (!assets->unavailable.empty()) return docsUnavailable(assets->unavailable);
    return fileResponse(assets->files.find(kIndexName)->second, "no-cache");
  });
  addSlashRedirect(router, "/api/docs");

  router.add(Method::kGet, "/api/docs/:file", Exec::kInline, [assets](const HttpRequest& req) {
    const auto it = assets->files.find(req.params.at(0));
    if (it == assets->files.end()) {
      if (!assets->unavailable.empty()) return docsUnavailable(assets->unavailable);
      return errorResponse(Error(Code::kNotFound));
    }
    return fileResponse(it->second, it->first == kIndexName ? "no-cache" : "public, max-age=3600");
  });
}

}  // namespace authd::http
