// The operator's documentation: GET /api/docs-json (the OpenAPI document
// compiled into authd), GET /api/docs (a Swagger UI page of ours) and
// GET /api/docs/:file (Swagger UI's assets from the npm package
// swagger-ui-dist, read once at start from SWAGGER_UI_DIR).
#pragma once

#include <functional>
#include <map>
#include <string>

#include "http/router.hpp"

namespace authd::http {

// Swagger UI's files, in memory. Only a fixed set of names is ever read or
// served, so a request path cannot reach any other file.
struct DocsAssets {
  struct File {
    std::string contentType;
    std::string body;
  };
  std::map<std::string, File, std::less<>> files;  // file name → contents
  std::string unavailable;                         // non-empty: why the UI cannot be served (the 404 message)
};

// Reads the served files from `swaggerUiDir` (swagger-ui-dist's folder). Never
// fails: an empty or unreadable folder leaves `unavailable` saying how to
// install the assets (and logs why); the document itself is always served.
DocsAssets loadDocsAssets(const std::string& swaggerUiDir);

// Registers the three routes; all answer from memory, inline.
void addDocsRoutes(Router& router, DocsAssets assets);

}  // namespace authd::http
