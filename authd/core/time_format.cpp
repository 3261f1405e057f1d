#include "core/time_format.hpp"

#include <chrono>
#include <cstdint>

namespace authd {
namespace {

using namespace std::chrono;

// A forward-only reader over the input; every accessor fails softly so the
// parser is a straight line of checks.
class Cursor {
 public:
  explicit Cursor(std::string_view s) : s_(s) {}

  // Exactly `n` ASCII digits as a number, or -1.
  int digits(size_t n) {
    if (s_.size() - pos_ < n) return -1;
    int v = 0;
    for (size_t i = 0; i < n; ++i) {
      const char c = s_[pos_ + i];
      if (c < '0' || c > '9') return -1;
      v = v * 10 + (c - '0');
    }
    pos_ += n;
    return v;
  }

  bool accept(char c) {
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  char peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }
  bool atEnd() const { return pos_ == s_.size(); }

 private:
  std::string_view s_;
  size_t pos_ = 0;
};

bool isDigit(char c) { return c >= '0' && c <= '9'; }

// Writes `v` as exactly `width` zero-padded digits.
void appendPadded(std::string& out, int64_t v, int width) {
  char buf[20];
  for (int i = width - 1; i >= 0; --i) {
    buf[i] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
  out.append(buf, static_cast<size_t>(width));
}

}  // namespace

std::optional<SysTime> parseIso8601(std::string_view s) {
  Cursor c(s);
  const int y = c.digits(4);
  if (y < 1970 || !c.accept('-')) return std::nullopt;
  const int mo = c.digits(2);
  if (mo < 1 || !c.accept('-')) return std::nullopt;
  const int d = c.digits(2);
  if (d < 1) return std::nullopt;
  const year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;

  int64_t secs = int64_t{sys_days(ymd).time_since_epoch().count()} * 86400;
  int64_t ms = 0;
  if (!c.atEnd()) {
    // RFC 3339 §5.6 allows lowercase "t" and "z".
    if (!c.accept('T') && !c.accept('t')) return std::nullopt;
    const int h = c.digits(2);
    if (h < 0 || h > 23 || !c.accept(':')) return std::nullopt;
    const int mi = c.digits(2);
    if (mi < 0 || mi > 59 || !c.accept(':')) return std::nullopt;
    const int se = c.digits(2);
    // No leap seconds: system_clock cannot represent them anyway.
    if (se < 0 || se > 59) return std::nullopt;
    secs += h * 3600 + mi * 60 + se;

    if (c.accept('.')) {
      if (!isDigit(c.peek())) return std::nullopt;
      // Any number of digits; the first three are milliseconds, the rest are
      // truncated, and ".5" means 500 ms.
      int read = 0;
      for (; isDigit(c.peek()); ++read) {
        const int digit = c.digits(1);
        if (read < 3) ms = ms * 10 + digit;
      }
      for (; read < 3; ++read) ms *= 10;
    }
    if (c.accept('Z') || c.accept('z')) {
      // UTC.
    } else {
      const char sign = c.peek();
      if (!c.accept('+') && !c.accept('-')) return std::nullopt;
      const int oh = c.digits(2);
      if (oh < 0 || oh > 23 || !c.accept(':')) return std::nullopt;
      const int om = c.digits(2);
      if (om < 0 || om > 59) return std::nullopt;
      const int offset = oh * 3600 + om * 60;
      // Local time = UTC + offset, so UTC = local - offset.
      secs += sign == '+' ? -offset : offset;
    }
    if (!c.atEnd()) return std::nullopt;
  }

  // libstdc++'s system_clock counts nanoseconds in int64: it ends in 2262.
  constexpr int64_t kMaxSecs = duration_cast<seconds>(SysTime::duration::max()).count() - 1;
  if (secs > kMaxSecs) return std::nullopt;
  return SysTime(duration_cast<SysTime::duration>(seconds(secs) + milliseconds(ms)));
}

std::string formatIso8601(SysTime t) {
  const auto tms = floor<milliseconds>(t);
  const auto dp = floor<days>(tms);
  const year_month_day ymd{dp};
  const hh_mm_ss hms{tms - dp};
  std::string out;
  out.reserve(24);
  appendPadded(out, int{ymd.year()}, 4);
  out.push_back('-');
  appendPadded(out, unsigned{ymd.month()}, 2);
  out.push_back('-');
  appendPadded(out, unsigned{ymd.day()}, 2);
  out.push_back('T');
  appendPadded(out, hms.hours().count(), 2);
  out.push_back(':');
  appendPadded(out, hms.minutes().count(), 2);
  out.push_back(':');
  appendPadded(out, hms.seconds().count(), 2);
  out.push_back('.');
  appendPadded(out, hms.subseconds().count(), 3);
  out.push_back('Z');
  return out;
}

}  // namespace authd
