// ISO-8601 / RFC 3339 text <-> SysTime, without locale or C time functions,
// so parsing is thread-safe and strict about what it accepts.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/clock.hpp"

namespace authd {

// Parses RFC 3339 / ISO-8601 date-times: "2025-12-31T23:59:59Z", with optional fraction ".123" (any digits, kept
// to ms), and "Z" or "+hh:mm"/"-hh:mm" offset; a date-only "2025-12-31" means midnight UTC. nullopt for anything
// else (out-of-range month/day/hour, Feb 30, trailing junk, year outside 1970..9999, or an instant that
// SysTime cannot represent: libstdc++'s nanosecond system_clock ends in 2262).
std::optional<SysTime> parseIso8601(std::string_view s);

// Formats as "2025-12-31T23:59:59.000Z" (UTC, milliseconds).
std::string formatIso8601(SysTime t);

}  // namespace authd
