// Prints N fresh API keys as "key<TAB>sha256<TAB>prefix" lines, for seeding
// benchmark data in bulk with COPY (the same format authd creates).
// Usage: bench_keygen [N (1000)] [PREFIX (sk_)]
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "keys/api_key.hpp"

int main(int argc, char** argv) {
  const long n = argc > 1 ? std::strtol(argv[1], nullptr, 10) : 1000;
  const std::string_view prefix = argc > 2 ? std::string_view(argv[2]) : authd::keys::kDefaultKeyPrefix;
  if (!authd::keys::isValidKeyPrefix(prefix)) {
    std::fprintf(stderr, "bench_keygen: the prefix must look like [a-z][a-z0-9]{1,15}_ (like sk_)\n");
    return 2;
  }
  for (long i = 0; i < n; ++i) {
    const auto k = authd::keys::generateKey(prefix);
    std::printf("%s\t%s\t%s\n", k.key.c_str(), k.hash.c_str(), k.prefix.c_str());
  }
  return 0;
}
