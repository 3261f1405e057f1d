// /healthz and /readyz through the route table, with probes that are told to
// pass or fail: which status, which code and which body each combination gets.
#include "http/health_routes.hpp"
#include "support/routes.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>
#include <utility>
#include <vector>

namespace authd::http {
namespace {

using nlohmann::ordered_json;

// A probe whose answer the test sets, counting how often it is asked.
struct Dependency {
  bool up = true;
  int checks = 0;
};

class HealthRoutesTest : public ::testing::Test {
 protected:
  HealthRoutesTest() {
    addHealthRoutes(router_, {probe("postgres", Code::kDatabaseUnavailable, postgres_),
                              probe("redis", Code::kCacheUnavailable, redis_)});
  }
  static ReadinessProbe probe(std::string name, Code downCode, Dependency& d) {
    return ReadinessProbe{std::move(name), downCode, [&d]() -> Status {
                            ++d.checks;
                            if (d.up) return {};
                            return fail(Code::kInternal, "details that stay in the log");
                          }};
  }
  HttpResponse get(std::string path) {
    HttpRequest req;
    req.path = std::move(path);
    return testing::dispatch(router_, req);
  }
  // The body as JSON, fields in the order written.
  static ordered_json bodyOf(const HttpResponse& r) {
    auto j = ordered_json::parse(r.body, nullptr, /*allow_exceptions=*/false);
    EXPECT_FALSE(j.is_discarded()) << r.body;
    return j;
  }

  Dependency postgres_, redis_;
  Router router_;
};

// /healthz runs inline and /readyz on the worker pool (its probes wait on the network).
TEST_F(HealthRoutesTest, WhereTheyRun) {
  ASSERT_EQ(router_.routes().size(), 2u);
  EXPECT_EQ(router_.routes()[0].pattern, "/healthz");
  EXPECT_EQ(router_.routes()[0].exec, Exec::kInline);
  EXPECT_EQ(router_.routes()[1].pattern, "/readyz");
  EXPECT_EQ(router_.routes()[1].exec, Exec::kWorker);
}

// /healthz is 200 {"status":"ok"} without asking any dependency, even when they are down.
TEST_F(HealthRoutesTest, HealthzIsTheProcessOnly) {
  postgres_.up = redis_.up = false;
  const HttpResponse r = get("/healthz");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.contentType, "application/json");
  EXPECT_EQ(r.body, R"({"status":"ok"})");
  EXPECT_EQ(postgres_.checks + redis_.checks, 0);
}

// /readyz with every probe passing is 200 {"status":"ready","checks":{...:"up"}}, each probe asked once.
TEST_F(HealthRoutesTest, ReadyWhenEveryProbePasses) {
  const HttpResponse r = get("/readyz");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"status":"ready","checks":{"postgres":"up","redis":"up"}})");
  EXPECT_EQ(postgres_.checks, 1);
  EXPECT_EQ(redis_.checks, 1);
  EXPECT_TRUE(r.logError.empty());
}

// One probe failing is 503 with the error shape naming that dependency and its code, plus every check's state;
// the probe's own error detail is not shown.
TEST_F(HealthRoutesTest, OneFailingProbeIs503NamingIt) {
  redis_.up = false;
  const HttpResponse r = get("/readyz");
  EXPECT_EQ(r.status, 503);
  const ordered_json expected = {{"statusCode", 503},
                                 {"error", "Service Unavailable"},
                                 {"message", "redis unavailable"},
                                 {"code", "cache_unavailable"},
                                 {"checks", {{"postgres", "up"}, {"redis", "down"}}}};
  EXPECT_EQ(bodyOf(r), expected) << r.body;
  EXPECT_EQ(r.logError, "cache_unavailable");
  EXPECT_EQ(r.body.find("details"), std::string::npos) << r.body;

  redis_.up = true;
  postgres_.up = false;
  const ordered_json pg = bodyOf(get("/readyz"));
  EXPECT_EQ(pg.value("message", ""), "postgres unavailable");
  EXPECT_EQ(pg.value("code", ""), "database_unavailable");
  EXPECT_EQ(pg["checks"], (ordered_json{{"postgres", "down"}, {"redis", "up"}}));
}

// Both failing: every probe is still asked, the message names both in order and the code is the first one's.
TEST_F(HealthRoutesTest, EveryFailingProbeIsNamed) {
  postgres_.up = redis_.up = false;
  const HttpResponse r = get("/readyz");
  EXPECT_EQ(r.status, 503);
  const ordered_json b = bodyOf(r);
  EXPECT_EQ(b.value("message", ""), "postgres and redis unavailable");
  EXPECT_EQ(b.value("code", ""), "database_unavailable");
  EXPECT_EQ(b["checks"], (ordered_json{{"postgres", "down"}, {"redis", "down"}}));
  EXPECT_EQ(postgres_.checks, 1);
  EXPECT_EQ(redis_.checks, 1);
}

// With no probes at all, /readyz is ready with empty checks.
TEST(HealthRoutesNoProbes, ReadyWithNoChecks) {
  Router router;
  addHealthRoutes(router, {});
  HttpRequest req;
  req.path = "/readyz";
  const HttpResponse r = testing::dispatch(router, req);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"status":"ready","checks":{}})");
}

}  // namespace
}  // namespace authd::http
