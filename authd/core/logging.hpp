// Logging setup: spdlog to stdout, text or JSON lines. Two loggers: the
// default (application messages, written at once) and "access" (one line per
// request, buffered by stdio and flushed every second, or sooner when the buffer
// fills or an application message is written), so the request log costs no
// syscall per request. A kill -9 can lose up to a second of request lines.
#pragma once

#include <string>

namespace authd::logging {

// Installs the loggers; level as in LOG_LEVEL, json for LOG_FORMAT=json.
void setup(const std::string& level, bool json);

// Appends `s` to `out` escaped for a JSON string (without quotes).
void appendJsonEscaped(std::string& out, std::string_view s);

}  // namespace authd::logging
