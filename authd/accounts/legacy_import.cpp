#include "accounts/legacy_import.hpp"

#include <string_view>

#include "accounts/account_requests.hpp"
#include "accounts/bcrypt.hpp"
#include "core/crypto.hpp"
#include "core/text.hpp"

namespace authd::accounts {
namespace {

using nlohmann::json;

// The first `n` code points of valid UTF-8 (PostgreSQL text is).
std::string firstCodePoints(std::string_view s, size_t n) {
  size_t seen = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    const bool lead = (static_cast<unsigned char>(s[i]) & 0xC0) != 0x80;
    if (lead && seen++ == n) return std::string(s.substr(0, i));
  }
  return std::string(s);
}

// C0 controls and DEL become spaces: signup refuses them in a name.
std::string withoutControls(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) c = ' ';
  }
  return out;
}

json optionalText(const std::optional<std::string>& s) { return s ? json(*s) : json(nullptr); }

json usersJson(const std::vector<ReportedUser>& users) {
  json out = json::array();
  for (const auto& u : users) out.push_back({{"id", u.id}, {"email", u.email}, {"reason", u.reason}});
  return out;
}

void appendUsers(std::string& out, std::string_view title, const std::vector<ReportedUser>& users) {
  if (users.empty()) return;
  out += std::string(title) + ":\n";
  for (const auto& u : users) out += "  " + u.email + " (" + u.id + "): " + u.reason + "\n";
}

}  // namespace

LegacyUserPlan planLegacyUser(const LegacyUser& user) {
  LegacyUserPlan plan;
  if (!crypto::isUuid(user.id)) {
    plan.skip = "id is not a UUID";
    return plan;
  }
  const auto normalized = normalizeEmail(user.email);
  if (!normalized || text::trim(user.email) != user.email) {
    plan.skip = "email is not an address authd accepts";
    return plan;
  }
  if (!isBcryptHash(user.passwordHash)) {
    plan.skip = "password is not a bcrypt hash ($2a$, $2b$ or $2y$, 60 characters)";
    return plan;
  }
  const std::string name = withoutControls(text::trim(user.name.value_or("")));
  const std::string_view trimmed = text::trim(name);
  if (trimmed.empty()) {
    plan.name = firstCodePoints(user.email.substr(0, user.email.find('@')), kMaxName);
    plan.nameNote = user.name ? "blank name: the email's local part" : "no name: the email's local part";
    return plan;
  }
  plan.name = firstCodePoints(trimmed, kMaxName);
  if (plan.name.size() < trimmed.size()) {
    plan.nameNote = "name longer than 100 characters: cut";
  } else if (user.name && *user.name != plan.name) {
    plan.nameNote = "name had surrounding spaces or control characters: cleaned";
  }
  return plan;
}

json reportJson(const ImportReport& r) {
  json reissue = json::array();
  for (const auto& entry : r.reissue) {
    json keys = json::array();
    for (const auto& k : entry.keys) {
      keys.push_back({{"id", k.id},
                      {"name", k.name},
                      {"isActive", k.isActive},
                      {"expiresAt", optionalText(k.expiresAt)},
                      {"lastUsedAt", optionalText(k.lastUsedAt)},
                      {"new", k.newlyListed}});
    }
    reissue.push_back({{"userId", entry.userId}, {"email", entry.email}, {"keys", std::move(keys)}});
  }
  return {{"dryRun", r.dryRun},
          {"changes", r.changes()},
          {"users",
           {{"source", r.sourceUsers},
            {"imported", r.imported},
            {"unchanged", r.unchanged},
            {"collisions", r.collisions},
            {"skipped", r.skipped},
            {"renamed", r.renamedList.size()}}},
          {"keys",
           {{"source", r.sourceKeys},
            {"listed", r.keysListed},
            {"alreadyListed", r.keysAlreadyListed},
            {"notListed", r.keysNotListed}}},
          {"collisions", usersJson(r.collisionList)},
          {"skipped", usersJson(r.skippedList)},
          {"renamed", usersJson(r.renamedList)},
          {"reissue", std::move(reissue)}};
}

std::string reportText(const ImportReport& r) {
  const auto n = [](size_t v) { return std::to_string(v); };
  std::string out = r.dryRun ? "import-nestjs (dry run: nothing was written)\n" : "import-nestjs\n";
  out += "users: " + n(r.sourceUsers) + " in the source; " + n(r.imported) + (r.dryRun ? " would be" : "") +
         " imported, " + n(r.unchanged) + " unchanged, " + n(r.collisions) + " collisions, " + n(r.skipped) +
         " skipped, " + n(r.renamedList.size()) + " renamed\n";
  out += "api keys: " + n(r.sourceKeys) + " in the source; " + n(r.keysListed) + (r.dryRun ? " would be" : "") +
         " listed for re-issue, " + n(r.keysAlreadyListed) + " already listed, " + n(r.keysNotListed) +
         " not listed (their user is not imported)\n";
  appendUsers(out, "collisions (not imported)", r.collisionList);
  appendUsers(out, "skipped (not imported)", r.skippedList);
  appendUsers(out, "renamed", r.renamedList);
  if (!r.reissue.empty()) {
    out += "api keys to re-issue (the original service's keys do not work with authd):\n";
    for (const auto& entry : r.reissue) {
      out += "  " + entry.email + ":";
      bool first = true;
      for (const auto& k : entry.keys) {
        out += std::string(first ? " " : ", ") + k.name + " (" + k.id + (k.isActive ? "" : ", inactive") + ")";
        first = false;
      }
      out += "\n";
    }
  }
  out += "changes: " + n(r.changes()) + (r.dryRun ? " (none written)" : "") + "\n";
  return out;
}

}  // namespace authd::accounts
