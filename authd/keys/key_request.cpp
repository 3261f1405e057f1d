#include "keys/key_request.hpp"

#include <algorithm>
#include <array>
#include <span>

#include "core/text.hpp"
#include "core/time_format.hpp"

namespace authd::keys {
namespace {

using nlohmann::json;

constexpr std::array<std::string_view, 6> kAllowedFields{"name",      "expiresAt", "scopes",
                                                         "rateLimit", "metadata",  "credits"};
constexpr std::array<std::string_view, 7> kPatchFields{"name",    "expiresAt", "scopes", "rateLimit",
                                                       "enabled", "metadata",  "credits"};
constexpr std::array<std::string_view, 1> kRotateFields{"gracePeriodSeconds"};
constexpr std::array<std::string_view, 2> kRateLimitFields{"limit", "windowSeconds"};
constexpr std::array<std::string_view, 2> kCreditsFields{"remaining", "refill"};
constexpr std::array<std::string_view, 2> kRefillFields{"amount", "interval"};

using text::checkUnknownFields;
using text::codePoints;
using text::hasControlChar;
using text::integerIn;
using text::trim;

std::optional<std::string> parseName(const json& body, std::vector<std::string>& errors) {
  const auto it = body.find("name");
  if (it == body.end() || !it->is_string()) {
    errors.emplace_back("name must be a string");
    return std::nullopt;
  }
  const std::string_view name = trim(it->get_ref<const std::string&>());
  const size_t len = codePoints(name);
  if (len < 1 || len > kMaxNameLength) {
    errors.emplace_back("name must be between 1 and 100 characters");
    return std::nullopt;
  }
  if (hasControlChar(name)) {
    errors.emplace_back("name must not contain control characters");
    return std::nullopt;
  }
  return std::string(name);
}

std::optional<SysTime> parseExpiresAt(const json& body, const Clock& clock, std::vector<std::string>& errors) {
  const auto it = body.find("expiresAt");
  if (it == body.end() || it->is_null()) return std::nullopt;
  std::optional<SysTime> t;
  if (it->is_string()) t = parseIso8601(it->get_ref<const std::string&>());
  if (!t) {
    errors.emplace_back("expiresAt must be an ISO-8601 date-time");
    return std::nullopt;
  }
  if (*t <= clock.now()) {
    errors.emplace_back("expiresAt must be in the future");
    return std::nullopt;
  }
  return t;
}

std::vector<std::string> parseScopes(const json& body, std::vector<std::string>& errors) {
  std::vector<std::string> scopes;
  const auto it = body.find("scopes");
  if (it == body.end() || it->is_null()) return scopes;
  const bool allValid = it->is_array() && std::all_of(it->begin(), it->end(), [](const json& s) {
                          return s.is_string() && isValidScope(s.get_ref<const std::string&>());
                        });
  if (!allValid) {
    errors.emplace_back("scopes must be an array of strings matching [a-z0-9:._-]{1,64}");
    return scopes;
  }
  // Counted before de-duplication: the limit is on what the client sends.
  if (it->size() > kMaxScopes) {
    errors.emplace_back("scopes must contain no more than 32 elements");
    return scopes;
  }
  for (const auto& s : *it) {
    const auto& scope = s.get_ref<const std::string&>();
    if (std::find(scopes.begin(), scopes.end(), scope) == scopes.end()) scopes.push_back(scope);
  }
  return scopes;
}

std::optional<RateLimit> parseRateLimit(const json& body, std::vector<std::string>& errors) {
  const auto it = body.find("rateLimit");
  if (it == body.end() || it->is_null()) return std::nullopt;
  if (!it->is_object()) {
    errors.emplace_back("rateLimit must be an object with integer limit and windowSeconds");
    return std::nullopt;
  }
  const size_t before = errors.size();
  std::optional<int64_t> limit;
  std::optional<int64_t> window;
  if (const auto l = it->find("limit"); l != it->end()) limit = integerIn(*l, 1, kMaxRateLimit);
  if (!limit) errors.emplace_back("rateLimit.limit must be an integer between 1 and 1000000000");
  if (const auto w = it->find("windowSeconds"); w != it->end()) window = integerIn(*w, 1, kMaxRateWindowSeconds);
  if (!window) errors.emplace_back("rateLimit.windowSeconds must be an integer between 1 and 86400");
  checkUnknownFields(*it, "rateLimit.", kRateLimitFields, errors);
  if (errors.size() != before) return std::nullopt;
  return RateLimit{*limit, *window};
}

// A JSON object of at most 4 KiB as serialized; its text, nullopt for null or absent.
std::optional<std::string> parseMetadata(const json& body, std::vector<std::string>& errors) {
  const auto it = body.find("metadata");
  if (it == body.end() || it->is_null()) return std::nullopt;
  if (!it->is_object()) {
    errors.emplace_back("metadata must be a JSON object or null");
    return std::nullopt;
  }
  std::string text = it->dump();
  if (text.size() > kMaxMetadataBytes) {
    errors.emplace_back("metadata must be at most 4096 bytes as JSON");
    return std::nullopt;
  }
  return text;
}

// `refill` inside credits: null or {amount, interval}, both required; nullopt for null or a problem.
std::optional<CreditRefill> parseRefill(const json& credits, std::vector<std::string>& errors) {
  const auto it = credits.find("refill");
  if (it == credits.end() || it->is_null()) return std::nullopt;
  if (!it->is_object()) {
    errors.emplace_back("credits.refill must be null or an object with integer amount and interval day or month");
    return std::nullopt;
  }
  const size_t before = errors.size();
  std::optional<int64_t> amount;
  std::optional<RefillInterval> interval;
  if (const auto a = it->find("amount"); a != it->end()) amount = integerIn(*a, 1, kMaxCredits);
  if (!amount) errors.emplace_back("credits.refill.amount must be an integer between 1 and 1000000000000");
  if (const auto i = it->find("interval"); i != it->end() && i->is_string()) {
    interval = parseInterval(i->get_ref<const std::string&>());
  }
  if (!interval) errors.emplace_back("credits.refill.interval must be one of day, month");
  checkUnknownFields(*it, "credits.refill.", kRefillFields, errors);
  if (errors.size() != before) return std::nullopt;
  return CreditRefill{*amount, *interval};
}

// `credits`: null (unlimited) or {remaining, refill?}; nullopt for null, absent or a problem.
std::optional<Credits> parseCredits(const json& body, std::vector<std::string>& errors) {
  const auto it = body.find("credits");
  if (it == body.end() || it->is_null()) return std::nullopt;
  if (!it->is_object()) {
    errors.emplace_back("credits must be null or an object with integer remaining and optional refill");
    return std::nullopt;
  }
  const size_t before = errors.size();
  std::optional<int64_t> remaining;
  if (const auto r = it->find("remaining"); r != it->end()) remaining = integerIn(*r, 0, kMaxCredits);
  if (!remaining) errors.emplace_back("credits.remaining must be an integer between 0 and 1000000000000");
  auto refill = parseRefill(*it, errors);
  checkUnknownFields(*it, "credits.", kCreditsFields, errors);
  if (errors.size() != before) return std::nullopt;
  return Credits{*remaining, refill};
}

}  // namespace

std::string_view reasonName(DisabledReason r) {
  switch (r) {
    case DisabledReason::kUser: return "user";
    case DisabledReason::kLeaked: return "leaked";
    case DisabledReason::kOperator: return "operator";
  }
  return "user";
}

std::optional<DisabledReason> parseReason(std::string_view s) {
  if (s == "user") return DisabledReason::kUser;
  if (s == "leaked") return DisabledReason::kLeaked;
  if (s == "operator") return DisabledReason::kOperator;
  return std::nullopt;
}

bool isValidScope(std::string_view s) {
  if (s.empty() || s.size() > kMaxScopeLength) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == ':' || c == '.' || c == '_' || c == '-';
  });
}

Result<CreateKeyRequest> parseCreateKeyRequest(const nlohmann::json& body, const Clock& clock) {
  if (!body.is_object()) return fail(Error::validation({"body must be a JSON object"}));
  std::vector<std::string> errors;
  CreateKeyRequest req;
  auto name = parseName(body, errors);
  req.expiresAt = parseExpiresAt(body, clock, errors);
  req.scopes = parseScopes(body, errors);
  req.rateLimit = parseRateLimit(body, errors);
  req.metadata = parseMetadata(body, errors);
  req.credits = parseCredits(body, errors);
  checkUnknownFields(body, "", kAllowedFields, errors);
  if (!errors.empty()) return fail(Error::validation(std::move(errors)));
  req.name = std::move(*name);
  return req;
}

Result<KeyPatch> parseKeyPatch(const nlohmann::json& body, const Clock& clock) {
  if (!body.is_object()) return fail(Error::validation({"body must be a JSON object"}));
  if (body.empty()) {
    return fail(
        Error::validation({"body must contain at least one of name, scopes, rateLimit, expiresAt, enabled, "
                           "metadata, credits"}));
  }
  std::vector<std::string> errors;
  KeyPatch patch;
  // Each present field is checked exactly as create checks it (a null name is not a name).
  if (body.contains("name")) {
    if (auto name = parseName(body, errors)) patch.name = std::move(*name);
  }
  if (body.contains("scopes")) patch.scopes = parseScopes(body, errors);
  if (body.contains("rateLimit")) patch.rateLimit = parseRateLimit(body, errors);
  if (body.contains("expiresAt")) patch.expiresAt = parseExpiresAt(body, clock, errors);
  if (body.contains("metadata")) patch.metadata = parseMetadata(body, errors);
  if (body.contains("credits")) patch.credits = parseCredits(body, errors);
  if (const auto it = body.find("enabled"); it != body.end()) {
    if (it->is_boolean()) {
      patch.enabled = it->get<bool>();
    } else {
      errors.emplace_back("enabled must be a boolean");
    }
  }
  checkUnknownFields(body, "", kPatchFields, errors);
  if (!errors.empty()) return fail(Error::validation(std::move(errors)));
  return patch;
}

Result<std::chrono::seconds> parseRotateRequest(const nlohmann::json& body) {
  if (body.is_null()) return std::chrono::seconds(kDefaultGracePeriodSeconds);
  if (!body.is_object()) return fail(Error::validation({"body must be a JSON object"}));
  std::vector<std::string> errors;
  int64_t grace = kDefaultGracePeriodSeconds;
  if (const auto it = body.find("gracePeriodSeconds"); it != body.end()) {
    if (const auto g = integerIn(*it, 0, kMaxGracePeriodSeconds)) {
      grace = *g;
    } else {
      errors.emplace_back("gracePeriodSeconds must be an integer between 0 and 2592000");
    }
  }
  checkUnknownFields(body, "", kRotateFields, errors);
  if (!errors.empty()) return fail(Error::validation(std::move(errors)));
  return std::chrono::seconds(grace);
}

}  // namespace authd::keys
