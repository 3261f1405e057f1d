// Validation of the accounts' JSON bodies, NestJS-style: every problem found
// becomes one message of a kValidationFailed Error.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

#include "core/error.hpp"

namespace authd::accounts {

inline constexpr size_t kMinPassword = 8;
inline constexpr size_t kMaxPassword = 128;
inline constexpr size_t kMaxName = 100;
inline constexpr size_t kMaxEmail = 254;

struct SignupRequest {
  std::string email;  // trimmed
  std::string password;
  std::string name;  // trimmed
};

struct LoginRequest {
  std::string email;
  std::string password;
};

// POST /auth/signup: {email, password, name}.
Result<SignupRequest> parseSignup(const nlohmann::json& body);
// POST /auth/login: {email, password}.
Result<LoginRequest> parseLogin(const nlohmann::json& body);
// POST /auth/refresh: {refreshToken}.
Result<std::string> parseRefresh(const nlohmann::json& body);
// POST /auth/logout: optional {refreshToken}; an empty body is fine.
Result<std::optional<std::string>> parseLogout(const nlohmann::json& body);

// POST /auth/password: {currentPassword, newPassword}.
struct ChangePasswordRequest {
  std::string currentPassword;
  std::string newPassword;  // signup's password rules
};
Result<ChangePasswordRequest> parseChangePassword(const nlohmann::json& body);
// POST /auth/password-reset/request: {email}; the email is normalised (accounts::normalizeEmail).
Result<std::string> parseResetRequest(const nlohmann::json& body);
// POST /auth/password-reset/confirm: {token, newPassword}.
struct ResetConfirmRequest {
  std::string token;
  std::string newPassword;  // signup's password rules
};
Result<ResetConfirmRequest> parseResetConfirm(const nlohmann::json& body);

// A syntactically valid email address (pragmatic RFC 5321 subset, ASCII only).
bool isValidEmail(std::string_view email);

// The one form in which emails are compared: signup's uniqueness, login's lookup and the
// login throttle's key. Trimmed and ASCII-lowercased; nullopt for anything signup refuses,
// so a lookalike (U+212A KELVIN SIGN for "k", U+0130 for "i") is never an account, never
// shares or escapes a real account's throttle, and never reaches a Unicode-aware lower().
std::optional<std::string> normalizeEmail(std::string_view email);

}  // namespace authd::accounts
