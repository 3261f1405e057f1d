#include "events/webhook_request.hpp"

#include <algorithm>
#include <charconv>

#include "events/event.hpp"

namespace authd::events {

Result<CreateWebhookRequest> parseCreateWebhookRequest(const nlohmann::json& body) {
  if (!body.is_object()) return fail(Error::validation({"body must be a JSON object {url, events?}"}));
  CreateWebhookRequest out;
  std::vector<std::string> problems;
  for (const auto& [name, value] : body.items()) {
    if (name != "url" && name != "events") problems.push_back("property " + name + " should not exist");
  }
  const auto url = body.find("url");
  if (url == body.end() || !url->is_string()) {
    problems.emplace_back("url must be a string (an http or https URL)");
  } else {
    out.url = url->get<std::string>();
  }
  if (const auto ev = body.find("events"); ev != body.end() && !ev->is_null()) {
    if (!ev->is_array()) {
      problems.emplace_back("events must be an array of event types");
    } else {
      for (size_t i = 0; i < ev->size(); ++i) {
        const auto& t = (*ev)[i];
        const std::string at = "events[" + std::to_string(i) + "]";
        if (!t.is_string()) {
          problems.push_back(at + " must be a string");
        } else if (!isSubscribableType(t.get<std::string>())) {
          // The type as sent is not echoed past a sane length.
          problems.push_back(at + " must be a known event type ('" + t.get<std::string>().substr(0, 64) +
                             "' is not; see GET /api/docs-json, schema EventType)");
        } else if (std::find(out.events.begin(), out.events.end(), t.get<std::string>()) == out.events.end()) {
          out.events.push_back(t.get<std::string>());
        }
      }
    }
  }
  if (!problems.empty()) return fail(Error::validation(std::move(problems)));
  return out;
}

Result<int64_t> parseDeliveriesLimit(std::optional<std::string_view> limit) {
  if (!limit) return kDefaultDeliveriesLimit;
  int64_t n = 0;
  const auto [ptr, ec] = std::from_chars(limit->data(), limit->data() + limit->size(), n);
  if (limit->empty() || ec != std::errc{} || ptr != limit->data() + limit->size() || n < 1 || n > kMaxDeliveriesLimit) {
    return fail(Error::validation({"limit must be a whole number from 1 to " + std::to_string(kMaxDeliveriesLimit)}));
  }
  return n;
}

}  // namespace authd::events
