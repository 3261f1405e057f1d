#include "store/redis/redis_key_l2.hpp"

#include <nlohmann/json.hpp>

namespace authd::store::redis {
namespace {

constexpr std::string_view kNone = "none";

std::string cacheKey(std::string_view hash) { return "authd:key:" + std::string(hash); }

}  // namespace

std::string encodeKeyInfo(const verify::KeyInfo& k) {
  nlohmann::json j{{"id", k.id},      {"u", k.userId},      {"s", k.scopes},
                   {"a", k.isActive}, {"e", k.expiresAtMs}, {"v", k.version}};
  if (!k.enabled) j["d"] = true;
  if (k.rateLimit) j["rl"] = {k.rateLimit->limit, k.rateLimit->windowSeconds};
  // Credits: [remaining] or [remaining, refill amount, "day"|"month"], with the grant's version and period.
  if (k.credits) {
    auto& c = j["c"] = nlohmann::json::array({k.credits->remaining});
    if (const auto& refill = k.credits->refill) {
      c.push_back(refill->amount);
      c.push_back(keys::intervalName(refill->interval));
    }
    j["cv"] = k.creditsVersion;
    j["cp"] = k.creditsPeriod;
  }
  return j.dump();
}

std::shared_ptr<const verify::KeyInfo> decodeKeyInfo(std::string_view text) {
  const auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) return nullptr;
  try {
    keys::KeyRecord r;
    r.id = j.at("id").get<std::string>();
    r.userId = j.at("u").get<std::string>();
    r.scopes = j.at("s").get<std::vector<std::string>>();
    r.isActive = j.at("a").get<bool>();
    if (const auto e = j.at("e").get<int64_t>(); e >= 0) r.expiresAt = fromUnixMillis(e);
    r.enabled = !j.value("d", false);
    r.version = j.value("v", int64_t{0});
    if (j.contains("rl")) r.rateLimit = keys::RateLimit{j["rl"].at(0).get<int64_t>(), j["rl"].at(1).get<int64_t>()};
    if (const auto c = j.find("c"); c != j.end()) {
      keys::Credits credits{c->at(0).get<int64_t>(), std::nullopt};
      if (c->size() > 1) {
        const auto interval = keys::parseInterval(c->at(2).get<std::string>());
        // A copy this instance cannot read fully is not used (the store is asked instead).
        if (!interval) return nullptr;
        credits.refill = keys::CreditRefill{c->at(1).get<int64_t>(), *interval};
      }
      r.credits = credits;
      r.creditsVersion = j.at("cv").get<int64_t>();
      r.creditsPeriod = j.at("cp").get<int64_t>();
    }
    return verify::toKeyInfo(r);
  } catch (const std::exception&) {
    return nullptr;
  }
}

Result<std::optional<std::shared_ptr<const verify::KeyInfo>>> RedisKeyL2::get(std::string_view hash) {
  auto lease = pool_.acquire();
  if (!lease) return fail(lease.error());
  auto r = lease->command({"GET", cacheKey(hash)});
  if (!r) return fail(r.error());
  if ((*r)->type != REDIS_REPLY_STRING) return std::optional<std::shared_ptr<const verify::KeyInfo>>();
  const std::string_view text((*r)->str, (*r)->len);
  if (text == kNone) return std::optional<std::shared_ptr<const verify::KeyInfo>>(nullptr);
  auto info = decodeKeyInfo(text);
  if (!info) return std::optional<std::shared_ptr<const verify::KeyInfo>>();  // unreadable: treat as not cached
  return std::optional<std::shared_ptr<const verify::KeyInfo>>(std::move(info));
}

Status RedisKeyL2::put(std::string_view hash, const std::shared_ptr<const verify::KeyInfo>& info,
                       std::chrono::seconds ttl) {
  auto lease = pool_.acquire();
  if (!lease) return fail(lease.error());
  const std::string value = info ? encodeKeyInfo(*info) : std::string(kNone);
  auto r = lease->command({"SET", cacheKey(hash), value, "EX", std::to_string(ttl.count())});
  if (!r) return fail(r.error());
  return {};
}

Status RedisKeyL2::erase(std::string_view hash) {
  auto lease = pool_.acquire();
  if (!lease) return fail(lease.error());
  auto r = lease->command({"DEL", cacheKey(hash)});
  if (!r) return fail(r.error());
  return {};
}

Status RedisKeyL2::clear() {
  auto lease = pool_.acquire();
  if (!lease) return fail(lease.error());
  // SCAN + UNLINK in pages: never one command that blocks Redis on a million keys.
  std::string cursor = "0";
  do {
    auto page = lease->command({"SCAN", cursor, "MATCH", "authd:key:*", "COUNT", "1000"});
    if (!page) return fail(page.error());
    const redisReply* r = page->get();
    if (r->type != REDIS_REPLY_ARRAY || r->elements != 2) return fail(Code::kCacheUnavailable, "unexpected SCAN reply");
    cursor.assign(r->element[0]->str, r->element[0]->len);
    const redisReply* keys = r->element[1];
    if (keys->elements > 0) {
      std::vector<std::string> unlink{"UNLINK"};
      for (size_t i = 0; i < keys->elements; ++i) unlink.emplace_back(keys->element[i]->str, keys->element[i]->len);
      if (auto u = lease->command(unlink); !u) return fail(u.error());
    }
  } while (cursor != "0");
  return {};
}

}  // namespace authd::store::redis
