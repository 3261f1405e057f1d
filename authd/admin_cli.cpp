#include "admin_cli.hpp"

#include <nlohmann/json.hpp>

#include <charconv>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "accounts/account_requests.hpp"
#include "app.hpp"
#include "bus_key_events.hpp"
#include "core/crypto.hpp"
#include "core/time_format.hpp"
#include "http/key_routes.hpp"
#include "keys/key_service.hpp"
#include "store/invalidation_bus.hpp"
#include "store/pg/pg_admin.hpp"
#include "store/pg/pg_key_store.hpp"
#include "store/pg/pg_sessions.hpp"
#include "store/redis/redis_counters.hpp"
#include "store/redis/redis_pool.hpp"

namespace authd::admin {
namespace {

using json = nlohmann::ordered_json;

constexpr const char* kUsage = R"(usage: authd admin <users|keys> <command> [arguments] [--json]

  users list [--limit N] [--after EMAIL]   users by email, N per page (default 100, at most 10000)
  users show EMAIL|ID                      one user: status, rate limit, password scheme, keys, sessions
  users deactivate EMAIL|ID                refuse the user everywhere (logins, refreshes, JWTs, keys)
  users activate EMAIL|ID                  let a deactivated user in again
  users set-rate-limit EMAIL|ID LIMIT [--window SECONDS]
                                           the user's own limit (0: none); `default`: USER_RATE_LIMIT again
  keys show ID                             one key, any user's
  keys disable ID                          disable a key (reason `operator`: only the operator enables it)
  keys enable ID                           enable a key again
  keys revoke ID                           revoke a key (final)

Each command takes --help. Changes are written with an audit event (actor `operator`) and reach
every running instance within a second. --json prints one JSON object on stdout.
Exit codes: 0 done (or already so), 1 no such user or key, 2 bad usage, 3 database unavailable,
4 the change is not possible (a revoked or rotated key), 5 any other failure (the message says
what; e.g. a database older than this authd: run `authd migrate`).
Configuration: the same environment and .env as `authd serve`.
)";

struct CommandHelp {
  std::string_view group, name, usage, text;
};

constexpr CommandHelp kHelp[] = {
    {"users", "list", "authd admin users list [--limit N] [--after EMAIL] [--json]",
     "Lists users ordered by email (case-insensitive): id, email, name, active, live keys, rate limit, password\n"
     "scheme (argon2id, or bcrypt for an imported account that has not logged in since) and creation time.\n"
     "--limit N (1-10000, default 100) rows; --after EMAIL starts after that email (the `next` of a page)."},
    {"users", "show", "authd admin users show EMAIL|ID [--json]",
     "Shows one user, their keys (never a key or hash) and live sessions."},
    {"users", "deactivate", "authd admin users deactivate EMAIL|ID [--json]",
     "Deactivates the user: logins are refused (user_inactive), refreshes too, and /verify refuses their\n"
     "JWTs and keys on every instance within a second. Sessions and keys are kept: `activate` restores them.\n"
     "Writes user.deactivated (actor operator). Deactivating an inactive user changes nothing (exit 0)."},
    {"users", "activate", "authd admin users activate EMAIL|ID [--json]",
     "Activates a deactivated user again. Writes user.activated (actor operator)."},
    {"users", "set-rate-limit", "authd admin users set-rate-limit EMAIL|ID LIMIT|default [--window SECONDS] [--json]",
     "Sets the user's own per-user limit: LIMIT requests (0-1000000000; 0: no per-user limit for this user)\n"
     "per --window SECONDS (1-86400, default 60), counted over all their keys and JWTs; the tighter of key and\n"
     "user limit answers. `default` puts the user back on USER_RATE_LIMIT / USER_RATE_WINDOW.\n"
     "Writes user.rate_limit_changed (actor operator)."},
    {"keys", "show", "authd admin keys show ID [--json]",
     "Shows one key (any user's) as GET /keys/:id shows it, with its owner."},
    {"keys", "disable", "authd admin keys disable ID [--json]",
     "Disables the key (disabledReason `operator`): /verify answers key_disabled on every instance within a\n"
     "second. Its owner can neither enable nor rotate it (409); `keys enable` does. Writes key.disabled."},
    {"keys", "enable", "authd admin keys enable ID [--json]",
     "Enables a disabled key again, whatever disabled it. Writes key.enabled (actor operator)."},
    {"keys", "revoke", "authd admin keys revoke ID [--json]",
     "Revokes the key for good (key_revoked). Writes key.revoked (actor operator). Revoking twice is exit 0."},
};

const CommandHelp* findHelp(std::string_view group, std::string_view name) {
  for (const auto& h : kHelp) {
    if (h.group == group && h.name == name) return &h;
  }
  return nullptr;
}

int badUsage(const std::string& message, const CommandHelp* help = nullptr) {
  std::fprintf(stderr, "authd admin: %s\n", message.c_str());
  if (help) std::fprintf(stderr, "usage: %.*s\n", static_cast<int>(help->usage.size()), help->usage.data());
  else std::fputs(kUsage, stderr);
  return kBadUsage;
}

// The words and flags of one command line.
struct Args {
  std::vector<std::string> words;
  bool json = false;
  bool help = false;
  std::optional<std::string> limit, after, window;
  std::string error;  // set for an unknown flag or a flag without its value
};

Args parseArgs(int argc, char** argv) {
  Args a;
  for (int i = 0; i < argc; ++i) {
    const std::string arg = argv[i];
    const auto value = [&](std::optional<std::string>& into) {
      if (i + 1 >= argc) a.error = arg + " needs a value";
      else into = argv[++i];
    };
    if (arg == "--json") a.json = true;
    else if (arg == "--help" || arg == "-h") a.help = true;
    else if (arg == "--limit") value(a.limit);
    else if (arg == "--after") value(a.after);
    else if (arg == "--window") value(a.window);
    else if (arg.starts_with("--")) a.error = "unknown option " + arg;
    else a.words.push_back(arg);
  }
  return a;
}

std::optional<int64_t> parseInt(std::string_view s, int64_t lo, int64_t hi) {
  int64_t v = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || ptr != s.data() + s.size() || v < lo || v > hi) return std::nullopt;
  return v;
}

std::string timeText(const std::optional<SysTime>& t) { return t ? formatIso8601(*t) : std::string("-"); }

json rateLimitJson(const std::optional<accounts::UserRateOverride>& r) {
  return r ? json{{"limit", r->limit}, {"windowSeconds", r->windowSeconds}} : json(nullptr);
}

std::string rateLimitText(const std::optional<accounts::UserRateOverride>& r) {
  if (!r) return "default";
  if (r->limit == 0) return "none";
  return std::to_string(r->limit) + "/" + std::to_string(r->windowSeconds) + "s";
}

json userJson(const store::pg::AdminUser& u) {
  return {{"id", u.id},
          {"email", u.email},
          {"name", u.name},
          {"isActive", u.isActive},
          {"liveKeys", u.liveKeys},
          {"rateLimit", rateLimitJson(u.rateLimit)},
          {"passwordScheme", u.passwordScheme},
          {"createdAt", formatIso8601(u.createdAt)}};
}

void printJson(const json& j) { std::printf("%s\n", j.dump(2).c_str()); }

// Everything a command may use, opened once: the database, Redis (for the announcements only) and the stores.
class Tools {
 public:
  explicit Tools(const config::Config& cfg)
      : pg_(makePgPool(cfg, 1, true)),
        redis_({cfg.redisHost, cfg.redisPort, cfg.redisPassword, 1, cfg.redisTimeout, std::chrono::milliseconds(200)}),
        bus_(*pg_, redis_, clock_, cfg.invalidationPoll, cfg.jwtExpiresIn),
        users_(*pg_, counts_),
        keyStore_(*pg_, counts_),
        sessions_(*pg_, counts_, [](const std::string&, int64_t) {}),
        counters_(redis_),
        keyEvents_(bus_, nullptr),
        keys_(keyStore_, keyEvents_, counters_, {cfg.leakReportLimit, cfg.leakReportWindow}, cfg.apiKeyPrefix) {}

  const Clock& clock() const { return clock_; }
  store::pg::PgUserAdmin& users() { return users_; }
  keys::KeyService& keys() { return keys_; }
  store::pg::PgSessionStore& sessions() { return sessions_; }
  // Tells every instance that the user changed (Redis pub/sub; the PostgreSQL poll finds it anyway).
  void userChanged(const std::string& userId) { bus_.publish(Change{ChangeKind::kUserChanged, userId}); }

 private:
  SystemClock clock_;
  events::WrittenCounts counts_;
  std::unique_ptr<store::pg::PgPool> pg_;
  store::redis::RedisPool redis_;
  store::InvalidationBus bus_;
  store::pg::PgUserAdmin users_;
  store::pg::PgKeyStore keyStore_;
  store::pg::PgSessionStore sessions_;
  store::redis::RedisWindowedCounter counters_;
  BusKeyEvents keyEvents_;  // to the other instances only: this process caches nothing
  keys::KeyService keys_;
};

// The exit code and message for a failed call.
int failed(const Error& e, bool asJson) {
  const bool down = e.code == Code::kDatabaseUnavailable || e.code == Code::kOverloaded;
  int rc = kFailed;
  if (down) rc = kUnavailable;
  else if (e.code == Code::kNotFound || e.code == Code::kInvalidId) rc = kNotFound;
  else if (e.code == Code::kConflict || e.code == Code::kValidationFailed) rc = kRefused;
  const std::string message = e.message.empty() ? std::string(codeName(e.code)) : e.message;
  if (asJson) {
    std::printf("%s\n", json{{"error", codeName(e.code)}, {"message", message}}.dump().c_str());
  }
  std::fprintf(stderr, "authd admin: %s%s\n", down ? "database unavailable: " : "", message.c_str());
  return rc;
}

int notFound(const std::string& what, bool asJson) {
  if (asJson) std::printf("%s\n", json{{"error", "not_found"}, {"message", what}}.dump().c_str());
  std::fprintf(stderr, "authd admin: %s\n", what.c_str());
  return kNotFound;
}

// The user an EMAIL|ID argument names.
struct Found {
  int rc = kDone;
  std::optional<store::pg::AdminUser> user;
};

Found findUser(Tools& tools, const std::string& arg, bool asJson) {
  std::string key = arg;
  if (!crypto::isUuid(arg)) {
    auto email = accounts::normalizeEmail(arg);
    if (!email) return {notFound("no user with email " + arg, asJson), std::nullopt};
    key = *email;
  }
  auto found = tools.users().find(key);
  if (!found) return {failed(found.error(), asJson), std::nullopt};
  if (!*found) return {notFound("no user " + arg, asJson), std::nullopt};
  return {kDone, std::move(*found)};
}

int usersList(Tools& tools, const Args& a) {
  int64_t limit = 100;
  if (a.limit) {
    auto n = parseInt(*a.limit, 1, 10'000);
    if (!n) return badUsage("--limit must be 1-10000", findHelp("users", "list"));
    limit = *n;
  }
  std::string after;
  if (a.after) {
    auto email = accounts::normalizeEmail(*a.after);
    after = email ? *email : *a.after;
  }
  auto page = tools.users().list(after, static_cast<int>(limit));
  if (!page) return failed(page.error(), a.json);
  // A full page may have more after it.
  const bool more = static_cast<int64_t>(page->size()) == limit;
  if (a.json) {
    json users = json::array();
    for (const auto& u : *page) users.push_back(userJson(u));
    printJson({{"users", users}, {"next", more ? json(page->back().email) : json(nullptr)}});
    return kDone;
  }
  std::printf("%-36s  %-32s  %-8s  %5s  %-10s  %-8s  %s\n", "ID", "EMAIL", "ACTIVE", "KEYS", "RATE", "PASSWORD",
              "CREATED");
  for (const auto& u : *page) {
    std::printf("%-36s  %-32s  %-8s  %5lld  %-10s  %-8s  %s\n", u.id.c_str(), u.email.c_str(),
                u.isActive ? "yes" : "no", static_cast<long long>(u.liveKeys), rateLimitText(u.rateLimit).c_str(),
                u.passwordScheme.c_str(), formatIso8601(u.createdAt).c_str());
  }
  if (more) std::printf("(more: --after %s)\n", page->back().email.c_str());
  return kDone;
}

int usersShow(Tools& tools, const Args& a) {
  auto found = findUser(tools, a.words[2], a.json);
  if (!found.user) return found.rc;
  const auto& u = *found.user;
  auto keyList = tools.keys().list(u.id);
  if (!keyList) return failed(keyList.error(), a.json);
  auto sessions = tools.sessions().liveSessions(u.id);
  if (!sessions) return failed(sessions.error(), a.json);
  auto reissue = tools.users().keysToReissue(u.id);
  if (!reissue) return failed(reissue.error(), a.json);
  if (a.json) {
    json out = userJson(u);
    json ks = json::array();
    for (const auto& k : *keyList) ks.push_back(http::keyJson(k, tools.clock()));
    json ss = json::array();
    for (const auto& s : *sessions) {
      ss.push_back({{"id", s.id},
                    {"createdAt", formatIso8601(s.createdAt)},
                    {"lastRefreshedAt", formatIso8601(s.lastRefreshedAt)},
                    {"userAgent", s.userAgent},
                    {"ip", s.clientAddress}});
    }
    out["keys"] = ks;
    out["sessions"] = ss;
    json old = json::array();
    for (const auto& k : *reissue) {
      old.push_back({{"id", k.id},
                     {"name", k.name},
                     {"wasActive", k.wasActive},
                     {"expiresAt", k.expiresAt ? json(formatIso8601(*k.expiresAt)) : json(nullptr)},
                     {"lastUsedAt", k.lastUsedAt ? json(formatIso8601(*k.lastUsedAt)) : json(nullptr)}});
    }
    out["keysToReissue"] = old;
    printJson(out);
    return kDone;
  }
  std::printf(
      "id:         %s\nemail:      %s\nname:       %s\nactive:     %s\nrate limit: %s\npassword:   %s\n"
      "created:    %s\n",
      u.id.c_str(), u.email.c_str(), u.name.c_str(), u.isActive ? "yes" : "no", rateLimitText(u.rateLimit).c_str(),
      u.passwordScheme.c_str(), formatIso8601(u.createdAt).c_str());
  std::printf("keys (%zu):\n", keyList->size());
  for (const auto& k : *keyList) {
    const char* state = !k.isActive ? "revoked" : !k.enabled ? "disabled" : k.rotatedAt ? "rotated" : "active";
    std::printf("  %s  %-10s  %-8s  %s  last used %s\n", k.id.c_str(), k.prefix.c_str(), state, k.name.c_str(),
                timeText(k.lastUsedAt).c_str());
  }
  if (!reissue->empty()) {
    std::printf("keys of the NestJS service to re-issue (%zu; they do not work here):\n", reissue->size());
    for (const auto& k : *reissue) {
      std::printf("  %s  %-8s  %s  last used %s\n", k.id.c_str(), k.wasActive ? "active" : "inactive", k.name.c_str(),
                  timeText(k.lastUsedAt).c_str());
    }
  }
  std::printf("live sessions (%zu):\n", sessions->size());
  for (const auto& s : *sessions) {
    std::printf("  %s  since %s  last refreshed %s  %s\n", s.id.c_str(), formatIso8601(s.createdAt).c_str(),
                formatIso8601(s.lastRefreshedAt).c_str(), s.clientAddress.c_str());
  }
  return kDone;
}

// Prints the outcome of a change to a user.
int userChanged(Tools& tools, const store::pg::AdminUser& before, bool changed, const std::string& what,
                const Args& a) {
  if (changed) tools.userChanged(before.id);
  auto after = tools.users().find(before.id);
  if (!after) return failed(after.error(), a.json);
  if (!*after) return notFound("no user " + before.id, a.json);
  if (a.json) {
    printJson({{"changed", changed}, {"user", userJson(**after)}});
  } else if (changed) {
    std::printf("%s: %s (%s)\n", what.c_str(), (*after)->email.c_str(), (*after)->id.c_str());
  } else {
    std::printf("%s: nothing to change for %s (%s)\n", what.c_str(), (*after)->email.c_str(), (*after)->id.c_str());
  }
  return kDone;
}

int usersSetActive(Tools& tools, const Args& a, bool active) {
  auto found = findUser(tools, a.words[2], a.json);
  if (!found.user) return found.rc;
  auto changed = tools.users().setActive(found.user->id, active, events::Context::operatorCli());
  if (!changed) return failed(changed.error(), a.json);
  return userChanged(tools, *found.user, *changed, active ? "activated" : "deactivated", a);
}

int usersSetRateLimit(Tools& tools, const Args& a) {
  const auto* help = findHelp("users", "set-rate-limit");
  if (a.words.size() != 4) return badUsage("set-rate-limit takes EMAIL|ID and LIMIT", help);
  std::optional<accounts::UserRateOverride> limit;
  if (a.words[3] == "default") {
    if (a.window) return badUsage("--window goes with a LIMIT, not with `default`", help);
  } else {
    auto n = parseInt(a.words[3], 0, 1'000'000'000);
    if (!n) return badUsage("LIMIT must be 0-1000000000 or `default`", help);
    int64_t window = 60;
    if (a.window) {
      auto w = parseInt(*a.window, 1, 86'400);
      if (!w) return badUsage("--window must be 1-86400 seconds", help);
      window = *w;
    }
    limit = accounts::UserRateOverride{*n, window};
  }
  auto found = findUser(tools, a.words[2], a.json);
  if (!found.user) return found.rc;
  auto changed = tools.users().setRateLimit(found.user->id, limit, events::Context::operatorCli());
  if (!changed) return failed(changed.error(), a.json);
  return userChanged(tools, *found.user, *changed, "rate limit " + rateLimitText(limit), a);
}

// The key an ID argument names, with its owner.
struct FoundKey {
  int rc = kDone;
  std::optional<keys::KeyRecord> key;
};

FoundKey findKey(Tools& tools, const std::string& id, bool asJson) {
  auto owner = tools.users().keyOwner(id);
  if (!owner) return {failed(owner.error(), asJson), std::nullopt};
  if (!*owner) return {notFound("no key " + id, asJson), std::nullopt};
  auto key = tools.keys().get(**owner, id);
  if (!key) return {failed(key.error(), asJson), std::nullopt};
  return {kDone, std::move(*key)};
}

int printKey(Tools& tools, const keys::KeyRecord& k, std::optional<bool> changed, const std::string& what,
             const Args& a) {
  auto owner = tools.users().find(k.userId);
  if (!owner) return failed(owner.error(), a.json);
  const std::string ownerEmail = *owner ? (*owner)->email : std::string();
  if (a.json) {
    json out;
    if (changed) out["changed"] = *changed;
    json key = http::keyJson(k, tools.clock());
    key["userId"] = k.userId;
    key["ownerEmail"] = ownerEmail;
    out["key"] = key;
    printJson(changed ? out : out["key"]);
    return kDone;
  }
  if (changed) {
    std::printf("%s: key %s (%s) of %s\n", *changed ? what.c_str() : ("nothing to change, " + what).c_str(),
                k.id.c_str(), k.name.c_str(), ownerEmail.c_str());
    return kDone;
  }
  const char* state = !k.isActive ? "revoked" : !k.enabled ? "disabled" : k.rotatedAt ? "rotated" : "active";
  std::printf(
      "id:          %s\nname:        %s\nprefix:      %s\nowner:       %s (%s)\nstate:       %s%s\n"
      "scopes:      %s\nexpires:     %s\nlast used:   %s\ncreated:     %s\n",
      k.id.c_str(), k.name.c_str(), k.prefix.c_str(), ownerEmail.c_str(), k.userId.c_str(), state,
      k.disabledReason ? (" (" + std::string(keys::reasonName(*k.disabledReason)) + ")").c_str() : "",
      json(k.scopes).dump().c_str(), timeText(k.expiresAt).c_str(), timeText(k.lastUsedAt).c_str(),
      formatIso8601(k.createdAt).c_str());
  return kDone;
}

int keysShow(Tools& tools, const Args& a) {
  auto found = findKey(tools, a.words[2], a.json);
  if (!found.key) return found.rc;
  return printKey(tools, *found.key, std::nullopt, "", a);
}

int keysSetEnabled(Tools& tools, const Args& a, bool enabled) {
  auto found = findKey(tools, a.words[2], a.json);
  if (!found.key) return found.rc;
  const auto& before = *found.key;
  const bool already =
      enabled ? before.enabled : !before.enabled && before.disabledReason == keys::DisabledReason::kOperator;
  keys::KeyPatch patch;
  patch.enabled = enabled;
  auto after = tools.keys().update(before.userId, before.id, patch, events::Context::operatorCli());
  if (!after) return failed(after.error(), a.json);
  return printKey(tools, *after, !already, enabled ? "enabled" : "disabled", a);
}

int keysRevoke(Tools& tools, const Args& a) {
  auto found = findKey(tools, a.words[2], a.json);
  if (!found.key) return found.rc;
  const bool already = !found.key->isActive;
  if (auto done = tools.keys().revoke(found.key->userId, found.key->id, events::Context::operatorCli()); !done) {
    return failed(done.error(), a.json);
  }
  auto after = tools.keys().get(found.key->userId, found.key->id);
  if (!after) return failed(after.error(), a.json);
  return printKey(tools, *after, !already, "revoked", a);
}

}  // namespace

const char* usage() { return kUsage; }

int run(int argc, char** argv, const LoadConfig& loadConfig) {
  const Args a = parseArgs(argc, argv);
  if (a.words.empty()) {
    if (a.help) {
      std::fputs(kUsage, stdout);
      return kDone;
    }
    return badUsage("a command is needed");
  }
  const std::string& group = a.words[0];
  if (group != "users" && group != "keys") return badUsage("unknown command '" + group + "'");
  if (a.words.size() < 2) {
    if (a.help) {
      std::fputs(kUsage, stdout);
      return kDone;
    }
    return badUsage("'" + group + "' needs a command");
  }
  const CommandHelp* help = findHelp(group, a.words[1]);
  if (!help) return badUsage("unknown command '" + group + " " + a.words[1] + "'");
  if (a.help) {
    std::printf("usage: %.*s\n\n%.*s\n", static_cast<int>(help->usage.size()), help->usage.data(),
                static_cast<int>(help->text.size()), help->text.data());
    return kDone;
  }
  if (!a.error.empty()) return badUsage(a.error, help);
  const std::string_view name = help->name;
  const bool isList = group == "users" && name == "list";
  const bool isRate = group == "users" && name == "set-rate-limit";
  if (isList && a.words.size() != 2) return badUsage("list takes no arguments", help);
  if (!isList && !isRate && a.words.size() != 3) {
    return badUsage(std::string(name) + (group == "users" ? " takes one EMAIL or ID" : " takes one key ID"), help);
  }
  if ((a.limit || a.after) && !isList) return badUsage("--limit and --after go with `users list`", help);
  if (a.window && !isRate) return badUsage("--window goes with `users set-rate-limit`", help);

  const auto cfg = loadConfig();
  if (!cfg) return kBadUsage;
  Tools tools(*cfg);
  if (group == "users") {
    if (name == "list") return usersList(tools, a);
    if (name == "show") return usersShow(tools, a);
    if (name == "deactivate") return usersSetActive(tools, a, false);
    if (name == "activate") return usersSetActive(tools, a, true);
    return usersSetRateLimit(tools, a);
  }
  if (name == "show") return keysShow(tools, a);
  if (name == "disable") return keysSetEnabled(tools, a, false);
  if (name == "enable") return keysSetEnabled(tools, a, true);
  return keysRevoke(tools, a);
}

}  // namespace authd::admin
