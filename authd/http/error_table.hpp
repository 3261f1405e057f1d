// The one Error → HTTP table: every Code's status and default public message.
// Only http/ knows how a domain error is spelled on the wire; errorResponse,
// /verify's headers and the server's own answers (408, 413, 503) all read it.
#pragma once

#include <string_view>

#include "core/error.hpp"

namespace authd::http {

// How one code is answered.
struct ErrorEntry {
  int status;                // HTTP status
  std::string_view message;  // the body's "message" when the Error carries none (or must not show it)
};

// The entry of a code.
const ErrorEntry& errorEntry(Code c);

// The HTTP status a code is answered with.
inline int statusOf(Code c) { return errorEntry(c).status; }

// The default public message of a code.
inline std::string_view messageOf(Code c) { return errorEntry(c).message; }

}  // namespace authd::http
