#include "http/server.hpp"

#include <pistache/endpoint.h>
#include <pistache/http.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <charconv>

#include "core/logging.hpp"
#include "core/text.hpp"
#include "http/json_io.hpp"

namespace authd::http {
namespace {

namespace P = Pistache;

// Pistache drops Http::Header::Raw response headers; a Header subclass with a
// runtime name goes through.
class NamedHeader final : public P::Http::Header::Header {
 public:
  NamedHeader(std::string name, std::string value) : name_(std::move(name)), value_(std::move(value)) {}
  const char* name() const override { return name_.c_str(); }
  void write(std::ostream& os) const override { os << value_; }
  uint64_t hash() const override { return P::Http::Header::detail::hash(name_.c_str()); }

 private:
  std::string name_;
  std::string value_;
};

Method toMethod(P::Http::Method m) {
  switch (m) {
    case P::Http::Method::Get: return Method::kGet;
    case P::Http::Method::Post: return Method::kPost;
    case P::Http::Method::Put: return Method::kPut;
    case P::Http::Method::Patch: return Method::kPatch;
    case P::Http::Method::Delete: return Method::kDelete;
    case P::Http::Method::Head: return Method::kHead;
    case P::Http::Method::Options: return Method::kOptions;
    default: return Method::kOther;
  }
}

bool isLoopback(const std::string& host) { return host.starts_with("127.") || host == "::1"; }

bool equalsIgnoreCase(std::string_view a, std::string_view lower) {
  if (a.size() != lower.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    const char c = a[i];
    if ((c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c) != lower[i]) return false;
  }
  return true;
}

// The unregistered headers authd reads, lowercase, and where they go.
constexpr std::pair<std::string_view, Hdr> kRawHeaders[] = {
    {"x-api-key", Hdr::kApiKey},
    {"x-forwarded-for", Hdr::kForwardedFor},
    {"x-real-ip", Hdr::kRealIp},
    {"x-request-id", Hdr::kRequestId},
};

HttpRequest convert(const P::Http::Request& req) {
  HttpRequest r;
  r.method = toMethod(req.method());
  r.path = req.resource();
  const auto& q = req.query();
  // Pistache leaves %XX escapes in; a value without any (nginx's /verify queries) is taken as it is.
  const auto decoded = [](const std::string& s) {
    return s.find('%') == std::string::npos ? s : text::percentDecode(s);
  };
  for (auto it = q.parameters_begin(); it != q.parameters_end(); ++it) {
    r.query.emplace_back(decoded(it->first), decoded(it->second));
  }
  const auto& h = req.headers();
  if (auto a = h.tryGet<P::Http::Header::Authorization>()) r.headers[size_t(Hdr::kAuthorization)] = a->value();
  r.body = req.body();
  // No GET or HEAD route reads a body (GET /verify, the hot path, has none).
  if (r.method != Method::kGet && r.method != Method::kHead) {
    if (auto ct = h.tryGet<P::Http::Header::ContentType>())
      r.headers[size_t(Hdr::kContentType)] = ct->mime().toString();
    // For the audit log: only changes record it, and no change is a GET.
    if (auto ua = h.tryGet<P::Http::Header::UserAgent>()) r.headers[size_t(Hdr::kUserAgent)] = ua->agent();
  }
  // One pass over the few raw headers a request carries, instead of a hashed,
  // lowercasing lookup (and a copy of the header) per name authd reads.
  for (const auto& [name, raw] : h.rawList()) {
    for (const auto& [wanted, slot] : kRawHeaders) {
      if (equalsIgnoreCase(name, wanted)) {
        r.headers[size_t(slot)] = raw.value();
        break;
      }
    }
  }
  r.peer = req.address().host();
  // Behind a local nginx the client is in X-Real-IP; trust it only from loopback.
  if (const auto& real = r.header(Hdr::kRealIp); real && isLoopback(r.peer) && !real->empty()) r.peer = *real;
  return r;
}

// One line per request: never a body, header value, key or token; only ids and codes.
// Built by hand into a reused buffer: this runs for every /verify.
void logRequest(spdlog::logger& log, bool json, const HttpRequest& req, const HttpResponse& res,
                std::chrono::nanoseconds took) {
  if (!log.should_log(spdlog::level::info)) return;
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(took).count();
  thread_local std::string line;
  line.clear();
  const auto number = [](std::string& out, int64_t n) {
    char buf[24];
    const auto end = std::to_chars(buf, buf + sizeof buf, n).ptr;
    out.append(buf, end);
  };
  if (!json) {
    const auto field = [](std::string& out, std::string_view name, std::string_view value) {
      out += name;
      out += value.empty() ? std::string_view("-") : value;
    };
    line += methodName(req.method);
    line += ' ';
    line += req.path;
    line += ' ';
    number(line, res.status);
    line += ' ';
    number(line, us);
    field(line, "us auth=", res.logAuthType);
    field(line, " sub=", res.logSubject);
    field(line, " err=", res.logError);
    if (!res.logDetail.empty()) field(line, " why=", res.logDetail);
    field(line, " ip=", req.peer);
  } else {
    line += "\"method\":\"";
    line += methodName(req.method);
    line += "\",\"path\":\"";
    logging::appendJsonEscaped(line, req.path);
    line += "\",\"status\":";
    number(line, res.status);
    line += ",\"latency_us\":";
    number(line, us);
    line += ",\"auth\":\"";
    line += res.logAuthType;
    line += "\",\"subject\":\"";
    line += res.logSubject;
    line += "\",\"error\":\"";
    line += res.logError;
    if (!res.logDetail.empty()) {
      line += "\",\"why\":\"";
      logging::appendJsonEscaped(line, res.logDetail);
    }
    line += "\",\"ip\":\"";
    logging::appendJsonEscaped(line, req.peer);
    line += '"';
  }
  log.log(spdlog::level::info, std::string_view(line));
}

// Runs the handler; an exception escaping it is a bug, answered 500 (never e.what()).
HttpResponse invoke(const Route& route, const HttpRequest& req) {
  try {
    return route.handler(req);
  } catch (const std::exception& e) {
    spdlog::error("handler {} {} threw: {}", methodName(req.method), route.pattern, e.what());
  } catch (...) {
    spdlog::error("handler {} {} threw a non-exception", methodName(req.method), route.pattern);
  }
  return errorResponse(Error(Code::kInternal));
}

}  // namespace

struct HttpServer::Impl {
  Impl(ServerOptions o, const Router& r, WorkerPool& w, RequestObserver obs)
      : options(std::move(o)), router(r), workers(w), observer(std::move(obs)) {}

  ServerOptions options;
  const Router& router;
  WorkerPool& workers;
  RequestObserver observer;
  std::atomic<int64_t> inFlight{0};
  std::unique_ptr<P::Http::Endpoint> endpoint;
  std::shared_ptr<spdlog::logger> accessLog = spdlog::get("access") ? spdlog::get("access") : spdlog::default_logger();
  bool stopped = false;

  void finish(P::Http::ResponseWriter& writer, const HttpRequest& req, const Route* route, const HttpResponse& res,
              std::chrono::steady_clock::time_point start) {
    for (const auto& [name, value] : res.headers) writer.headers().add(std::make_shared<NamedHeader>(name, value));
    if (!res.body.empty()) writer.headers().add(std::make_shared<NamedHeader>("Content-Type", res.contentType));
    // A HEAD answer has the header fields of the GET answer and no body (a body would be read as
    // the start of the next response on the connection).
    if (res.body.empty() || req.method == Method::kHead) {
      writer.send(static_cast<P::Http::Code>(res.status));
    } else {
      writer.send(static_cast<P::Http::Code>(res.status), res.body);
    }
    const auto took = std::chrono::steady_clock::now() - start;
    if (observer) observer(req, route, res, took);
    logRequest(*accessLog, options.jsonLogs, req, res, took);
  }
};

namespace {

class PistacheHandler final : public P::Http::Handler {
 public:
  HTTP_PROTOTYPE(PistacheHandler)
  explicit PistacheHandler(HttpServer::Impl* impl) : impl_(impl) {}

  void onRequest(const P::Http::Request& preq, P::Http::ResponseWriter writer) override {
    const auto start = std::chrono::steady_clock::now();
    HttpRequest req = convert(preq);
    if (req.body.size() > impl_->options.maxBodyBytes) {
      impl_->finish(writer, req, nullptr, errorResponse(Error(Code::kPayloadTooLarge)), start);
      return;
    }
    const Match m = impl_->router.match(req);
    if (!m.route) {
      impl_->finish(writer, req, nullptr,
                    errorResponse(Error(m.status == 405 ? Code::kMethodNotAllowed : Code::kNotFound)), start);
      return;
    }
    if (m.route->exec == Exec::kInline) {
      impl_->finish(writer, req, m.route, invoke(*m.route, req), start);
      return;
    }
    auto shared = std::make_shared<std::pair<P::Http::ResponseWriter, HttpRequest>>(std::move(writer), std::move(req));
    impl_->inFlight.fetch_add(1);
    HttpServer::Impl* impl = impl_;
    const Route* route = m.route;
    const bool queued = impl_->workers.submit([impl, route, shared, start] {
      impl->finish(shared->first, shared->second, route, invoke(*route, shared->second), start);
      impl->inFlight.fetch_sub(1);
    });
    if (!queued) {
      impl_->inFlight.fetch_sub(1);
      impl_->finish(shared->first, shared->second, route, errorResponse(Error(Code::kOverloaded)), start);
    }
  }

  void onTimeout(const P::Http::Request&, P::Http::ResponseWriter writer) override {
    const HttpResponse r = errorResponse(Error(Code::kRequestTimeout));
    writer.send(static_cast<P::Http::Code>(r.status), r.body, MIME(Application, Json));
  }

 private:
  HttpServer::Impl* impl_;
};

}  // namespace

HttpServer::HttpServer(ServerOptions options, const Router& router, WorkerPool& workers, RequestObserver observer)
    : impl_(std::make_unique<Impl>(std::move(options), router, workers, std::move(observer))) {}

HttpServer::~HttpServer() { stop(); }

void HttpServer::start() {
  const auto& o = impl_->options;
  P::Address addr(o.address, P::Port(o.port));
  impl_->endpoint = std::make_unique<P::Http::Endpoint>(addr);
  auto opts = P::Http::Endpoint::options()
                  .threads(o.threads)
                  .flags(P::Tcp::Options::ReuseAddr)
                  .maxRequestSize(o.maxRequestSize)
                  .headerTimeout(o.headerTimeout)
                  .bodyTimeout(o.bodyTimeout)
                  .keepaliveTimeout(o.keepaliveTimeout);
  impl_->endpoint->init(opts);
  impl_->endpoint->setHandler(std::make_shared<PistacheHandler>(impl_.get()));
  impl_->endpoint->serveThreaded();
}

void HttpServer::stop() {
  if (impl_->endpoint && !impl_->stopped) {
    impl_->stopped = true;
    impl_->endpoint->shutdown();
  }
}

int64_t HttpServer::inFlight() const { return impl_->inFlight.load(); }

}  // namespace authd::http
