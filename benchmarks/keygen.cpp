// Prints N fresh API keys as "key<TAB>sha256<TAB>prefix" lines, for seeding
// benchmark data in bulk with COPY (the same format authd creates).
#include <cstdio>
#include <cstdlib>

#include "keys/api_key.hpp"

int main(int argc, char** argv) {
  const long n = argc > 1 ? std::strtol(argv[1], nullptr, 10) : 1000;
  for (long i = 0; i < n; ++i) {
    const auto k = authd::keys::generateKey();
    std::printf("%s\t%s\t%s\n", k.key.c_str(), k.hash.c_str(), k.prefix.c_str());
  }
  return 0;
}
