// The route table: method + path pattern ("/keys/:id") → handler, and where it
// runs. Exact paths are a hash lookup; patterns are matched segment by segment.
#pragma once

#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "http/http_types.hpp"

namespace authd::http {

// Where a handler runs: inline on the I/O thread (fast, never blocks) or on
// the worker pool (anything that waits on argon2, PostgreSQL or Redis writes).
enum class Exec { kInline, kWorker };

using Handler = std::function<HttpResponse(const HttpRequest&)>;

struct Route {
  Method method;
  std::string pattern;  // "/keys/:id"; a ":name" segment matches one non-empty segment
  Exec exec;
  Handler handler;
};

struct Match {
  const Route* route = nullptr;  // null: see status
  int status = 404;              // 404 no such path, 405 path exists with another method
};

class Router {
 public:
  // Registers a route; later registrations of the same method+pattern win.
  void add(Method method, std::string pattern, Exec exec, Handler handler);
  // Finds the route for a request, filling request.params from ":name" segments.
  Match match(HttpRequest& request) const;
  // Every registered route, for the OpenAPI drift test and the startup log.
  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
  std::unordered_map<std::string, std::vector<size_t>> exact_;  // path → route indexes
  std::vector<size_t> patterned_;
};

// A page's address with the slash a browser or a person often adds ("/api/docs/"):
// registers GET <page>/ answering 301 with `Location: <page>`, so the page's
// relative addresses resolve as they do at <page>. For every HTML page authd serves.
void addSlashRedirect(Router& router, const std::string& page);

}  // namespace authd::http
