#include "store/pg/migrations.hpp"

#include <algorithm>
#include <charconv>

namespace authd::store::pg {

Result<std::vector<Migration>> parseMigrations(const std::vector<MigrationFile>& files) {
  std::vector<Migration> out;
  for (const auto& f : files) {
    const auto us = f.name.find('_');
    int version = 0;
    const char* begin = f.name.data();
    auto [ptr, ec] = std::from_chars(begin, begin + (us == std::string::npos ? 0 : us), version);
    if (us == std::string::npos || us == 0 || ec != std::errc{} || ptr != begin + us || version <= 0 ||
        !f.name.ends_with(".sql")) {
      return fail(Code::kInternal, "migration file name must look like 001_name.sql: " + f.name);
    }
    out.push_back({version, f.name, f.sql});
  }
  std::ranges::sort(out, {}, &Migration::version);
  for (size_t i = 1; i < out.size(); ++i) {
    if (out[i].version == out[i - 1].version) {
      return fail(Code::kInternal, "two migrations share version " + std::to_string(out[i].version) + ": " +
                                       out[i - 1].name + ", " + out[i].name);
    }
  }
  return out;
}

std::vector<Migration> pending(const std::vector<Migration>& all, const std::set<int>& applied) {
  std::vector<Migration> out;
  for (const auto& m : all) {
    if (!applied.contains(m.version)) out.push_back(m);
  }
  return out;
}

Result<std::vector<std::string>> migrate(MigrationLedger& ledger, const std::vector<MigrationFile>& files) {
  auto all = parseMigrations(files);
  if (!all) return fail(all.error());
  if (auto locked = ledger.lock(); !locked) return fail(locked.error());
  struct Unlock {
    MigrationLedger& l;
    ~Unlock() { l.unlock(); }
  } unlock{ledger};

  auto applied = ledger.applied();
  if (!applied) return fail(applied.error());
  std::vector<std::string> done;
  for (const auto& m : pending(*all, *applied)) {
    if (auto s = ledger.apply(m); !s) {
      Error e = s.error();
      e.message = m.name + ": " + e.message;
      return fail(std::move(e));
    }
    done.push_back(m.name);
  }
  return done;
}

}  // namespace authd::store::pg
