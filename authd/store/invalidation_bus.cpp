#include "store/invalidation_bus.hpp"

#include <poll.h>
#include <spdlog/spdlog.h>

#include <charconv>

#include "tokens/denylist.hpp"

namespace authd::store {
namespace {

constexpr const char* kChannel = "authd:changes";
// Rows may commit a little after their timestamp: each poll looks this far back.
constexpr int64_t kOverlapMs = 5000;

constexpr const char* kPollNow = "SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint";
constexpr const char* kPollTokens =
    "SELECT jti::text, extract(epoch FROM expires_at)::bigint FROM revoked_access_tokens "
    "WHERE created_at > to_timestamp($1::double precision / 1000) AND expires_at > now()";
// Sessions revoked since the last poll whose access tokens may still be alive ($2: the access-token lifetime plus
// the margin, in seconds); at start ($1 = 0) every such session.
constexpr const char* kPollSessions =
    "SELECT id::text, extract(epoch FROM revoked_at)::bigint FROM refresh_families "
    "WHERE revoked_at > to_timestamp($1::double precision / 1000) "
    "AND revoked_at > now() - make_interval(secs => $2::double precision)";
// Past this many changed rows in one poll (bulk SQL), caches are dropped wholesale instead.
constexpr int kMaxListedChanges = 10'000;
// Rows never updated since their insert (updated_at = created_at) are new, not changed:
// a new user needs no eviction, a new key only joins the key filter.
constexpr const char* kPollUsers =
    "SELECT id::text, (extract(epoch FROM updated_at) * 1000000)::bigint FROM users "
    "WHERE updated_at > to_timestamp($1::double precision / 1000) AND updated_at > created_at LIMIT 10001";
constexpr const char* kPollKeys =
    "SELECT key_hash, (extract(epoch FROM updated_at) * 1000000)::bigint, updated_at > created_at FROM api_keys "
    "WHERE updated_at > to_timestamp($1::double precision / 1000) LIMIT 10001";

}  // namespace

std::string encodeChange(const Change& c) {
  switch (c.kind) {
    case ChangeKind::kAccessTokenRevoked: return "jti:" + c.id + ":" + std::to_string(c.expiresAt);
    case ChangeKind::kSessionRevoked: return "sid:" + c.id + ":" + std::to_string(c.expiresAt);
    case ChangeKind::kUserChanged: return "user:" + c.id;
    case ChangeKind::kKeyChanged: return "key:" + c.id + (c.version > 0 ? ":" + std::to_string(c.version) : "");
    case ChangeKind::kKeyCreated: return "keynew:" + c.id;
    case ChangeKind::kBulkReload: return "bulk:reload";
  }
  return {};
}

std::optional<Change> decodeChange(std::string_view p) {
  const auto colon = p.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  const auto kind = p.substr(0, colon);
  auto rest = p.substr(colon + 1);
  if (rest.empty() || rest.size() > 128) return std::nullopt;
  if (kind == "user") return Change{ChangeKind::kUserChanged, std::string(rest)};
  if (kind == "key") {
    // "key:<hash>" or "key:<hash>:<version>".
    Change c{ChangeKind::kKeyChanged, std::string(rest)};
    if (const auto c2 = rest.find(':'); c2 != std::string_view::npos) {
      const auto num = rest.substr(c2 + 1);
      auto [ptr, ec] = std::from_chars(num.data(), num.data() + num.size(), c.version);
      if (c2 == 0 || ec != std::errc{} || ptr != num.data() + num.size() || c.version < 0) return std::nullopt;
      c.id = std::string(rest.substr(0, c2));
    }
    return c;
  }
  if (kind == "keynew") return Change{ChangeKind::kKeyCreated, std::string(rest)};
  if (kind == "bulk" && rest == "reload") return Change{ChangeKind::kBulkReload, {}};
  if (kind == "jti" || kind == "sid") {
    const auto c2 = rest.rfind(':');
    if (c2 == std::string_view::npos || c2 == 0) return std::nullopt;
    int64_t exp = 0;
    const auto num = rest.substr(c2 + 1);
    auto [ptr, ec] = std::from_chars(num.data(), num.data() + num.size(), exp);
    if (ec != std::errc{} || ptr != num.data() + num.size()) return std::nullopt;
    return Change{kind == "jti" ? ChangeKind::kAccessTokenRevoked : ChangeKind::kSessionRevoked,
                  std::string(rest.substr(0, c2)), exp};
  }
  return std::nullopt;
}

InvalidationBus::InvalidationBus(pg::PgPool& pg, redis::RedisPool& redis, const Clock& clock,
                                 std::chrono::milliseconds pollInterval, std::chrono::seconds accessLifetime)
    : pg_(pg), redis_(redis), clock_(clock), pollInterval_(pollInterval), accessLifetime_(accessLifetime) {}

InvalidationBus::~InvalidationBus() { stop(); }

void InvalidationBus::addListener(ChangeListener* listener) { listeners_.push_back(listener); }

void InvalidationBus::start() {
  pollPostgres();  // revocations are in place before the first request
  running_ = true;
  thread_ = std::thread([this] { run(); });
}

void InvalidationBus::stop() {
  running_ = false;
  if (thread_.joinable()) thread_.join();
}

void InvalidationBus::deliver(const Change& change) {
  for (auto* l : listeners_) l->onChange(change);
}

void InvalidationBus::publish(const Change& change) {
  deliver(change);
  auto lease = redis_.acquire();
  if (!lease) return;
  (void)lease->command({"PUBLISH", kChannel, encodeChange(change)});
}

void InvalidationBus::handleMessage(std::string_view payload) {
  if (auto c = decodeChange(payload)) {
    c->remote = true;
    deliver(*c);
  } else spdlog::warn("invalidation: ignoring malformed message");
}

bool InvalidationBus::firstSighting(const char* kind, const std::string& id, int64_t versionUs) {
  return seen_.try_emplace(std::string(kind) + ":" + id + ":" + std::to_string(versionUs), versionUs).second;
}

bool InvalidationBus::pollPostgres() {
  struct Rows {
    int64_t now = 0;
    std::vector<Change> changes;
  };
  // After a bulk reload the overlap would only find the same bulk again.
  const int64_t since = watermarkMs_ == 0 ? 0 : watermarkMs_ - (afterBulk_ ? 0 : kOverlapMs);
  const bool firstTime = !loadedRevocations_;
  auto r = pg_.run([&](pqxx::connection& c) {
    Rows rows;
    pqxx::nontransaction tx(c);
    rows.now = tx.exec(kPollNow)[0][0].as<int64_t>();
    for (const auto& row : tx.exec_params(kPollTokens, since))
      rows.changes.push_back({ChangeKind::kAccessTokenRevoked, row[0].as<std::string>(), row[1].as<int64_t>()});
    const double sessionWindow = static_cast<double>((accessLifetime_ + tokens::kSessionDenialMargin).count());
    for (const auto& row : tx.exec_params(kPollSessions, since, sessionWindow)) {
      rows.changes.push_back({ChangeKind::kSessionRevoked, row[0].as<std::string>(),
                              tokens::sessionDenialEnd(row[1].as<int64_t>(), accessLifetime_)});
    }
    // At start caches are empty: only revocations matter, not every user and key ever changed.
    if (!firstTime) {
      const auto users = tx.exec_params(kPollUsers, since);
      const auto keys = tx.exec_params(kPollKeys, since);
      if (users.size() > kMaxListedChanges || keys.size() > kMaxListedChanges) {
        rows.changes.push_back({ChangeKind::kBulkReload, {}});
      } else {
        // Each row version is delivered once, although the overlap finds it on several polls.
        for (const auto& row : users) {
          if (firstSighting("u", row[0].as<std::string>(), row[1].as<int64_t>())) {
            rows.changes.push_back({ChangeKind::kUserChanged, row[0].as<std::string>()});
          }
        }
        for (const auto& row : keys) {
          if (firstSighting("k", row[0].as<std::string>(), row[1].as<int64_t>())) {
            Change c{row[2].as<bool>() ? ChangeKind::kKeyChanged : ChangeKind::kKeyCreated, row[0].as<std::string>()};
            c.version = row[1].as<int64_t>();
            rows.changes.push_back(std::move(c));
          }
        }
      }
    }
    return rows;
  });
  if (!r) return false;
  // Forget sightings older than anything the next poll can return.
  std::erase_if(seen_, [cutoff = (r->now - 2 * kOverlapMs) * 1000](const auto& kv) { return kv.second < cutoff; });
  afterBulk_ = false;
  for (const auto& c : r->changes) {
    if (c.kind == ChangeKind::kBulkReload) {
      spdlog::info("invalidation: bulk change in PostgreSQL; dropping caches and reloading the key filter");
      afterBulk_ = true;
    }
    deliver(c);
  }
  watermarkMs_ = r->now;
  loadedRevocations_ = true;
  polls_.fetch_add(1);
  return true;
}

void InvalidationBus::run() {
  redis::Context sub;
  auto nextPoll = clock_.monotonic() + pollInterval_;
  auto nextConnect = clock_.monotonic();
  while (running_) {
    const auto now = clock_.monotonic();
    if (!sub && now >= nextConnect) {
      sub = redis::connectRedis(redis_.options());
      if (sub && redisAppendCommand(sub.get(), "SUBSCRIBE %s", kChannel) == REDIS_OK) {
        int done = 0;
        while (!done) {
          if (redisBufferWrite(sub.get(), &done) != REDIS_OK) break;
        }
        if (!done) sub.reset();
      } else {
        sub.reset();
      }
      if (!sub) nextConnect = now + std::chrono::milliseconds(500);
    }
    const auto untilPoll = std::chrono::duration_cast<std::chrono::milliseconds>(nextPoll - now).count();
    const int waitMs = static_cast<int>(std::clamp<int64_t>(untilPoll, 0, 100));
    if (sub) {
      pollfd pfd{sub->fd, POLLIN, 0};
      const int ready = ::poll(&pfd, 1, waitMs);
      if (ready > 0) {
        bool ok = redisBufferRead(sub.get()) == REDIS_OK;
        void* raw = nullptr;
        while (ok && redisGetReplyFromReader(sub.get(), &raw) == REDIS_OK && raw != nullptr) {
          redis::Reply reply(static_cast<redisReply*>(raw));
          raw = nullptr;
          if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 3) continue;
          const std::string_view kind(reply->element[0]->str, reply->element[0]->len);
          if (kind == "subscribe") {
            if (!subscribed_.exchange(true)) spdlog::info("invalidation: subscribed to {}", kChannel);
            nextPoll = clock_.monotonic();  // catch up on what was missed while away
          } else if (kind == "message" && reply->element[2]->type == REDIS_REPLY_STRING) {
            handleMessage(std::string_view(reply->element[2]->str, reply->element[2]->len));
          }
        }
        if (!ok || sub->err) {
          spdlog::warn("invalidation: subscription lost; PostgreSQL poll continues");
          sub.reset();
          subscribed_ = false;
          nextConnect = clock_.monotonic() + std::chrono::milliseconds(500);
        }
      }
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(waitMs));
    }
    if (clock_.monotonic() >= nextPoll) {
      pollPostgres();
      nextPoll = clock_.monotonic() + pollInterval_;
    }
  }
  subscribed_ = false;
}

}  // namespace authd::store
