#include "http/router.hpp"

namespace authd::http {
namespace {

bool matchPattern(std::string_view pattern, std::string_view path, std::vector<std::string>& params) {
  params.clear();
  while (!pattern.empty() && !path.empty()) {
    if (pattern.front() != '/' || path.front() != '/') return false;
    pattern.remove_prefix(1);
    path.remove_prefix(1);
    const auto pEnd = pattern.find('/');
    const auto sEnd = path.find('/');
    const auto pSeg = pattern.substr(0, pEnd);
    const auto sSeg = path.substr(0, sEnd);
    if (pSeg.starts_with(':')) {
      if (sSeg.empty()) return false;
      params.emplace_back(sSeg);
    } else if (pSeg != sSeg) {
      return false;
    }
    pattern = pEnd == std::string_view::npos ? std::string_view{} : pattern.substr(pEnd);
    path = sEnd == std::string_view::npos ? std::string_view{} : path.substr(sEnd);
  }
  return pattern.empty() && path.empty();
}

// HEAD is answered by the GET route (RFC 9110 §9.3.2); the server then sends no body.
bool serves(Method route, Method requested) {
  return route == requested || (requested == Method::kHead && route == Method::kGet);
}

}  // namespace

std::string_view methodName(Method m) {
  switch (m) {
    case Method::kGet: return "GET";
    case Method::kPost: return "POST";
    case Method::kPut: return "PUT";
    case Method::kPatch: return "PATCH";
    case Method::kDelete: return "DELETE";
    case Method::kHead: return "HEAD";
    case Method::kOptions: return "OPTIONS";
    case Method::kOther: return "OTHER";
  }
  return "OTHER";
}

std::optional<std::string_view> HttpRequest::queryParam(std::string_view name) const {
  for (const auto& [k, v] : query) {
    if (k == name) return std::string_view(v);
  }
  return std::nullopt;
}

void Router::add(Method method, std::string pattern, Exec exec, Handler handler) {
  const size_t index = routes_.size();
  const bool patterned = pattern.find(':') != std::string::npos;
  routes_.push_back({method, pattern, exec, std::move(handler)});
  if (patterned) {
    patterned_.insert(patterned_.begin(), index);  // later registrations win
  } else {
    auto& list = exact_[pattern];
    list.insert(list.begin(), index);
  }
}

Match Router::match(HttpRequest& request) const {
  Match m;
  if (auto it = exact_.find(request.path); it != exact_.end()) {
    for (size_t i : it->second) {
      if (serves(routes_[i].method, request.method)) {
        request.params.clear();
        return {&routes_[i], 200};
      }
    }
    m.status = 405;
  }
  std::vector<std::string> params;
  for (size_t i : patterned_) {
    if (!matchPattern(routes_[i].pattern, request.path, params)) continue;
    if (serves(routes_[i].method, request.method)) {
      request.params = std::move(params);
      return {&routes_[i], 200};
    }
    m.status = 405;
  }
  return m;
}

void addSlashRedirect(Router& router, const std::string& page) {
  router.add(Method::kGet, page + "/", Exec::kInline, [page](const HttpRequest&) {
    HttpResponse r;
    r.status = 301;
    r.contentType = "text/plain; charset=utf-8";
    r.body = "Moved to " + page + "\n";
    r.header("Location", page);
    return r;
  });
}

}  // namespace authd::http
