// libFuzzer target: the .env parser, then configuration validation of what it
// parsed, and the duration syntax ("15m", "7d"). Bad text is an error message,
// never a throw or a crash.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "config/dotenv.hpp"

namespace {

using namespace authd;

// A valid secret, so load() does not stop at the missing JWT_SECRET and reads every variable.
constexpr std::string_view kSecret = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

void checkDuration(std::string_view text) {
  const auto d = config::parseDuration(text);
  // Positive and at most 100 years, as documented.
  if (d && (d->count() <= 0 || d->count() > int64_t{100} * 365 * 86400)) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    checkDuration(text);

    auto env = config::parseDotenv(text);
    if (!env) {
      if (!env.error().starts_with("line ")) __builtin_trap();
      return 0;
    }
    for (const auto& [key, value] : *env) {
      if (key.empty()) __builtin_trap();
      checkDuration(value);
    }
    env->insert_or_assign("JWT_SECRET", std::string(kSecret));
    const auto config = config::load(*env);
    if (config) {
      if (config->jwtSecret != kSecret || config->port == 0 || config->jwtExpiresIn.count() <= 0) __builtin_trap();
    } else if (config.error().empty()) {
      __builtin_trap();
    }
  } catch (...) {
    __builtin_trap();
  }
  return 0;
}
