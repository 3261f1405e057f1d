// verify::AdmissionStore in Redis: one Lua script per request (EVALSHA, EVAL
// when Redis has not seen the script yet) checks the key's and the user's
// sliding windows and the key's credits, and only when all of them allow the
// request counts it and spends its cost. Being one script, it is atomic across
// every instance: never more spent than granted, no count kept for a refusal.
//
// Keys: `authd:sw:<k|u>:<id>:<windowSeconds>:<windowIndex>` (a fixed window's
// count, kept two windows and a second), `authd:cr:<keyId>` (hash: v grant
// version, r remaining, p period start) and `authd:cr:dirty` (keys whose credits
// changed, scored by the time, for the flush back to PostgreSQL).
#pragma once

#include <string>

#include "store/redis/redis_pool.hpp"
#include "verify/admission.hpp"

namespace authd::store::redis {

// The dirty set's name (the credits flush-back reads it).
inline constexpr std::string_view kCreditsDirtyKey = "authd:cr:dirty";
// The credits hash of a key.
std::string creditsKey(std::string_view keyId);
// A sliding window's counter for one fixed window.
std::string windowKey(char scope, std::string_view id, int64_t windowSeconds, int64_t windowIndex);

class RedisAdmission final : public verify::AdmissionStore {
 public:
  explicit RedisAdmission(RedisPool& pool);
  Result<verify::AdmissionAnswer> admit(const verify::AdmissionQuery& q) override;

 private:
  RedisPool& pool_;
  std::string sha_;  // the script's SHA-1, as EVALSHA names it
};

}  // namespace authd::store::redis
