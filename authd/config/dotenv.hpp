// Parser for `.env` files: KEY=VALUE lines, `#` comments, optional `export`,
// single- or double-quoted values. Pure: reads a string, not a file.
#pragma once

#include <expected>
#include <map>
#include <string>
#include <string_view>

namespace authd::config {

using EnvMap = std::map<std::string, std::string, std::less<>>;

// Parses the text of a .env file; an error names the offending line number.
std::expected<EnvMap, std::string> parseDotenv(std::string_view text);

// Reads the file at `path`; a missing file is an empty map, not an error.
std::expected<EnvMap, std::string> readDotenvFile(const std::string& path);

}  // namespace authd::config
