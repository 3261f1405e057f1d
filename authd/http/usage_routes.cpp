#include "http/usage_routes.hpp"

#include <chrono>

#include "core/crypto.hpp"
#include "core/time_format.hpp"
#include "http/active_user.hpp"
#include "http/json_io.hpp"

namespace authd::http {
namespace {

using json = OutJson;

std::string isoOf(int64_t unixSeconds) { return formatIso8601(SysTime(std::chrono::seconds(unixSeconds))); }

// The counts as a bucket shows them: denied in total, then each kind of denial.
void putCounts(json& out, const keys::UsageCounts& c) {
  out["valid"] = c.valid;
  out["rateLimited"] = c.rateLimited;
  out["usageExceeded"] = c.usageExceeded;
  out["denied"] = c.denied();
}

json bucketsJson(const std::vector<keys::UsageBucket>& buckets) {
  json out = json::array();
  for (const auto& b : buckets) {
    json j{{"start", isoOf(b.start)}};
    putCounts(j, b.counts);
    j["disabled"] = b.counts.disabled;
    j["expired"] = b.counts.expired;
    j["revoked"] = b.counts.revoked;
    j["other"] = b.counts.other;
    out.push_back(std::move(j));
  }
  return out;
}

// The query's range: from, to and granularity (other parameters ignored).
Result<keys::UsageRange> rangeOf(const HttpRequest& req, const Clock& clock) {
  return keys::parseUsageQuery({req.queryParam("from"), req.queryParam("to"), req.queryParam("granularity")},
                               clock.now());
}

void putRange(json& out, const keys::UsageRange& range) {
  out["granularity"] = keys::granularityName(range.granularity);
  out["from"] = isoOf(range.from);
  out["to"] = isoOf(range.to);
}

}  // namespace

void addUsageRoutes(Router& router, keys::UsageService& usage, const verify::JwtAuthenticator& jwt,
                    verify::UserStatusCache& users, const Clock& clock) {
  router.add(Method::kGet, "/keys/:id/usage", Exec::kWorker, [&usage, &jwt, &users, &clock](const HttpRequest& req) {
    auto user = activeUser(req, jwt, users);
    if (!user) return errorResponse(user.error());
    const std::string& id = req.params.at(0);
    if (!crypto::isUuid(id)) return errorResponse(Error(Code::kInvalidId));
    auto range = rangeOf(req, clock);
    if (!range) return errorResponse(range.error());
    auto found = usage.forKey(user->sub, id, *range);
    if (!found) return errorResponse(found.error());
    json out{{"keyId", found->keyId}};
    putRange(out, *range);
    out["buckets"] = bucketsJson(found->buckets);
    return withUser(jsonResponse(200, out), user->sub);
  });

  router.add(Method::kGet, "/usage", Exec::kWorker, [&usage, &jwt, &users, &clock](const HttpRequest& req) {
    auto user = activeUser(req, jwt, users);
    if (!user) return errorResponse(user.error());
    auto range = rangeOf(req, clock);
    if (!range) return errorResponse(range.error());
    const auto perKeyParam = req.queryParam("perKey").value_or("false");
    if (perKeyParam != "true" && perKeyParam != "false") {
      return errorResponse(Error::validation({"perKey must be true or false"}));
    }
    const bool perKey = perKeyParam == "true";
    auto found = usage.forUser(user->sub, *range, perKey);
    if (!found) return errorResponse(found.error());
    json out = json::object();
    putRange(out, *range);
    out["buckets"] = bucketsJson(found->buckets);
    json totals = json::array();
    for (const auto& t : found->totals) {
      json j{{"keyId", t.keyId}, {"name", t.name}};
      putCounts(j, t.counts);
      if (perKey) {
        // A sparkline's worth: start and the four sums, not each kind of denial.
        json series = json::array();
        for (const auto& b : t.buckets) {
          json bucket{{"start", isoOf(b.start)}};
          putCounts(bucket, b.counts);
          series.push_back(std::move(bucket));
        }
        j["buckets"] = std::move(series);
      }
      totals.push_back(std::move(j));
    }
    out["keys"] = std::move(totals);
    return withUser(jsonResponse(200, out), user->sub);
  });
}

}  // namespace authd::http
