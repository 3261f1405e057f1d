// Small text and JSON checks shared by the request validators.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace authd::text {

// Without ASCII whitespace at either end.
std::string_view trim(std::string_view s);

// A URL query's name or value with its %XX escapes (RFC 3986) decoded; a `%` not followed by two hex digits stays as
// it is. `+` stays `+` (a literal in RFC 3986 queries: "+01:00" is an offset, not " 01:00").
std::string percentDecode(std::string_view s);

// Number of code points in valid UTF-8 (what nlohmann's parser produces).
size_t codePoints(std::string_view s);

// True when `s` holds a C0 control character or DEL (NUL included).
bool hasControlChar(std::string_view s);

// A JSON integer (signed or unsigned, never a float, bool or string) in [lo, hi].
std::optional<int64_t> integerIn(const nlohmann::json& v, int64_t lo, int64_t hi);

// Adds "property <path><name> should not exist" for each member of `obj` not in `allowed`.
void checkUnknownFields(const nlohmann::json& obj, std::string_view path, std::span<const std::string_view> allowed,
                        std::vector<std::string>& errors);

}  // namespace authd::text
