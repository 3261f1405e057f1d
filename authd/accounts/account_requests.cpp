#include "accounts/account_requests.hpp"

#include <array>

#include "core/text.hpp"

namespace authd::accounts {
namespace {

using nlohmann::json;

bool objectOrFail(const json& body, std::vector<std::string>& errors) {
  if (body.is_object()) return true;
  errors.push_back("body must be a JSON object");
  return false;
}

// A string field; records "<field> must be a string" when absent or of another type.
std::optional<std::string> stringField(const json& body, const char* field, std::vector<std::string>& errors) {
  const auto it = body.find(field);
  if (it == body.end() || !it->is_string()) {
    errors.push_back(std::string(field) + " must be a string");
    return std::nullopt;
  }
  return it->get<std::string>();
}

void checkEmail(std::optional<std::string>& email, std::vector<std::string>& errors) {
  if (!email) return;
  *email = std::string(text::trim(*email));
  if (!normalizeEmail(*email)) errors.push_back("email must be an email");
}

bool isAsciiAlnum(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// Signup's rules for a new password, named by `field` in the messages.
void checkPassword(const std::optional<std::string>& pw, std::vector<std::string>& errors,
                   std::string_view field = "password") {
  if (!pw) return;
  const size_t n = text::codePoints(*pw);
  if (n < kMinPassword || n > kMaxPassword) {
    errors.push_back(std::string(field) + " must be between 8 and 128 characters");
  } else if (pw->find('\0') != std::string::npos) {
    errors.push_back(std::string(field) + " must not contain NUL characters");
  }
}

// A password presented to be checked (login's, a change's current one): bounds only, a wrong one is a 401 whatever its
// shape. True when out of them.
bool outOfPresentedBounds(const std::optional<std::string>& pw) {
  return pw && (pw->empty() || pw->size() > 4 * kMaxPassword);
}

}  // namespace

bool isValidEmail(std::string_view e) {
  const auto at = e.find('@');
  if (at == std::string_view::npos || at == 0 || at > 64 || e.find('@', at + 1) != std::string_view::npos) return false;
  const auto local = e.substr(0, at);
  const auto domain = e.substr(at + 1);
  for (unsigned char c : local) {
    const bool ok = isAsciiAlnum(c) ||
                    std::string_view("!#$%&'*+/=?^_`{|}~.-").find(static_cast<char>(c)) != std::string_view::npos;
    if (!ok) return false;
  }
  if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string_view::npos) return false;
  if (domain.size() < 3 || domain.find('.') == std::string_view::npos) return false;
  size_t labelStart = 0;
  for (size_t i = 0; i <= domain.size(); ++i) {
    if (i == domain.size() || domain[i] == '.') {
      const auto label = domain.substr(labelStart, i - labelStart);
      if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
      labelStart = i + 1;
      continue;
    }
    const auto c = static_cast<unsigned char>(domain[i]);
    if (!isAsciiAlnum(c) && c != '-') return false;
  }
  return true;
}

std::optional<std::string> normalizeEmail(std::string_view email) {
  email = text::trim(email);
  if (email.size() > kMaxEmail || !isValidEmail(email)) return std::nullopt;
  std::string out(email);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

Result<SignupRequest> parseSignup(const json& body) {
  std::vector<std::string> errors;
  if (!objectOrFail(body, errors)) return fail(Error::validation(std::move(errors)));
  auto email = stringField(body, "email", errors);
  auto password = stringField(body, "password", errors);
  auto name = stringField(body, "name", errors);
  checkEmail(email, errors);
  checkPassword(password, errors);
  if (name) {
    *name = std::string(text::trim(*name));
    const size_t n = text::codePoints(*name);
    if (n < 1 || n > kMaxName) errors.push_back("name must be between 1 and 100 characters");
    else if (text::hasControlChar(*name)) errors.push_back("name must not contain control characters");
  }
  static constexpr std::array<std::string_view, 3> kAllowed{"email", "password", "name"};
  text::checkUnknownFields(body, "", kAllowed, errors);
  if (!errors.empty()) return fail(Error::validation(std::move(errors)));
  return SignupRequest{std::move(*email), std::move(*password), std::move(*name)};
}

Result<LoginRequest> parseLogin(const json& body) {
  std::vector<std::string> errors;
  if (!objectOrFail(body, errors)) return fail(Error::validation(std::move(errors)));
  auto email = stringField(body, "email", errors);
  auto password = stringField(body, "password", errors);
  if (email) {
    *email = std::string(text::trim(*email));
    if (email->empty() || email->size() > kMaxEmail) errors.push_back("email must be an email");
  }
  if (outOfPresentedBounds(password)) errors.push_back("password must be between 8 and 128 characters");
  static constexpr std::array<std::string_view, 2> kAllowed{"email", "password"};
  text::checkUnknownFields(body, "", kAllowed, errors);
  if (!errors.empty()) return fail(Error::validation(std::move(errors)));
  return LoginRequest{std::move(*email), std::move(*password)};
}

Result<std::string> parseRefresh(const json& body) {
  std::vector<std::string> errors;
  if (!objectOrFail(body, errors)) return fail(Error::validation(std::move(errors)));
  auto token = stringField(body, "refreshToken", errors);
  if (token && (token->empty() || token->size() > 512)) errors.push_back("refreshToken must be a non-empty string");
  static constexpr std::array<std::string_view, 1> kAllowed{"refreshToken"};
  text::checkUnknownFields(body, "", kAllowed, errors);
  if (!errors.empty()) return fail(Error::validation(std::move(errors)));
  return std::move(*token);
}

Result<std::optional<std::string>> parseLogout(const json& body) {
  if (body.is_null()) return std::nullopt;
  std::vector<std::string> errors;
  if (!objectOrFail(body, errors)) return fail(Error::validation(std::move(errors)));
  std::optional<std::string> token;
  if (const auto it = body.find("refreshToken"); it != body.end() && !it->is_null()) {
    if (!it->is_string() || it->get_ref<const std::string&>().size() > 512) {
      errors.push_back("refreshToken must be a string");
    } else {
      token = it->get<std::string>();
    }
  }
  static constexpr std::array<std::string_view, 1> kAllowed{"refreshToken"};
  text::checkUnknownFields(body, "", kAllowed, errors);
  if (!errors.empty()) return fail(Error::validation(std::move(errors)));
  return token;
}

Result<ChangePasswordRequest> parseChangePassword(const json& body) {
  std::vector<std::string> errors;
  if (!objectOrFail(body, errors)) return fail(Error::validation(std::move(errors)));
  auto current = stringField(body, "currentPassword", errors);
  auto next = stringField(body, "newPassword", errors);
  if (outOfPresentedBounds(current)) {
    errors.push_back("currentPassword must be a non-empty string of at most " + std::to_string(4 * kMaxPassword) +
                     " bytes");
  }
  checkPassword(next, errors, "newPassword");
  static constexpr std::array<std::string_view, 2> kAllowed{"currentPassword", "newPassword"};
  text::checkUnknownFields(body, "", kAllowed, errors);
  if (!errors.empty()) return fail(Error::validation(std::move(errors)));
  return ChangePasswordRequest{std::move(*current), std::move(*next)};
}

Result<std::string> parseResetRequest(const json& body) {
  std::vector<std::string> errors;
  if (!objectOrFail(body, errors)) return fail(Error::validation(std::move(errors)));
  auto email = stringField(body, "email", errors);
  checkEmail(email, errors);
  static constexpr std::array<std::string_view, 1> kAllowed{"email"};
  text::checkUnknownFields(body, "", kAllowed, errors);
  if (!errors.empty()) return fail(Error::validation(std::move(errors)));
  return *normalizeEmail(*email);
}

Result<ResetConfirmRequest> parseResetConfirm(const json& body) {
  std::vector<std::string> errors;
  if (!objectOrFail(body, errors)) return fail(Error::validation(std::move(errors)));
  auto token = stringField(body, "token", errors);
  auto next = stringField(body, "newPassword", errors);
  // Any other shape is an unknown token (400 invalid_reset_token), decided by the service.
  if (token && (token->empty() || token->size() > 512)) errors.push_back("token must be a non-empty string");
  checkPassword(next, errors, "newPassword");
  static constexpr std::array<std::string_view, 2> kAllowed{"token", "newPassword"};
  text::checkUnknownFields(body, "", kAllowed, errors);
  if (!errors.empty()) return fail(Error::validation(std::move(errors)));
  return ResetConfirmRequest{std::move(*token), std::move(*next)};
}

}  // namespace authd::accounts
