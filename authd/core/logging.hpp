// Logging setup: spdlog to stdout, text or JSON lines. Two loggers: the
// default (application messages) and "access" (one line per request). Lines are buffered and flushed every second (and at once for
// warnings), so the request log costs no syscall per request.
#pragma once

#include <string>

namespace authd::logging {

// Installs the loggers; level as in LOG_LEVEL, json for LOG_FORMAT=json.
void setup(const std::string& level, bool json);

// Appends `s` to `out` escaped for a JSON string (without quotes).
void appendJsonEscaped(std::string& out, std::string_view s);

}  // namespace authd::logging
