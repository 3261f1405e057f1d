// Small helpers over authd's HTTP API shared by integration and end-to-end tests.
#pragma once

#include <string>

namespace authd::testing {

// Waits (up to 2 s per instance) until both authd instances find `key`: a probe asking for a
// scope no key has is answered insufficient_scope once the key is found, before any rate-limit
// count or lastUsed record. Tests about other things use it so they never depend on timing.
bool knownEverywhere(const std::string& key);

}  // namespace authd::testing
