#include "http/health_routes.hpp"

#include "http/json_io.hpp"

namespace authd::http {

void addHealthRoutes(Router& router, std::vector<ReadinessProbe> probes) {
  router.add(Method::kGet, "/healthz", Exec::kInline, [](const HttpRequest&) {
    return jsonResponse(200, {{"status", "ok"}});
  });

  router.add(Method::kGet, "/readyz", Exec::kWorker, [probes = std::move(probes)](const HttpRequest&) {
    OutJson checks = OutJson::object();
    const ReadinessProbe* firstDown = nullptr;
    std::string down;
    for (const auto& p : probes) {
      const bool up = p.check().has_value();
      checks[p.name] = up ? "up" : "down";
      if (up) continue;
      if (!firstDown) firstDown = &p;
      down += (down.empty() ? "" : " and ") + p.name;
    }
    if (!firstDown) return jsonResponse(200, {{"status", "ready"}, {"checks", checks}});
    HttpResponse r = errorResponse(Error(firstDown->downCode, down + " unavailable"));
    auto body = OutJson::parse(r.body);
    body["checks"] = checks;
    r.body = body.dump();
    return r;
  });
}

}  // namespace authd::http
