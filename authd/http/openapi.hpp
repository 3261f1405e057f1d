// The OpenAPI 3.0.3 document (docs/openapi.json), compiled into the binary by
// cmake/embed_openapi.cmake so that /api/docs-json needs no file beside authd.
#pragma once

#include <string_view>

namespace authd::http {

// The document's JSON text, exactly as in docs/openapi.json.
std::string_view openapiDocument();

}  // namespace authd::http
