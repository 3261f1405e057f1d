// Arrays for statements that take a batch as unnest($n::type[]): libpqxx 6 has
// no array parameters, so they travel as PostgreSQL array literals.
#pragma once

#include <string>

namespace authd::store::pg {

// A PostgreSQL array literal of elements that need no escaping beyond quotes
// (scopes are [a-z0-9:._-], ids are UUIDs, times and counts are integers).
template <typename Range, typename Fn>
std::string arrayLiteral(const Range& items, Fn element) {
  std::string out = "{";
  bool first = true;
  for (const auto& item : items) {
    if (!first) out += ',';
    first = false;
    out += '"';
    out += element(item);
    out += '"';
  }
  return out + "}";
}

}  // namespace authd::store::pg
