#include "core/logging.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <mutex>

namespace authd::logging {
namespace {

constexpr const char* kTextPattern = "%Y-%m-%dT%H:%M:%S.%e%z %l %v";

// %* : the message as an escaped JSON string body.
class JsonMessageFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&, spdlog::memory_buf_t& dest) override {
    std::string escaped;
    appendJsonEscaped(escaped, std::string_view(msg.payload.data(), msg.payload.size()));
    dest.append(escaped.data(), escaped.data() + escaped.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override { return std::make_unique<JsonMessageFlag>(); }
};

// Whole lines into stdio's buffer, written out when it fills or on flush() (every
// second, see setup): spdlog's stdout sink flushes after each line, a write(2) per
// request. stdio locks the stream per fwrite, so lines never interleave with the
// application logger's, which shares stdout and flushes at once.
class BufferedStdoutSink final : public spdlog::sinks::base_sink<std::mutex> {
 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t line;
    formatter_->format(msg, line);
    std::fwrite(line.data(), 1, line.size(), stdout);
  }
  void flush_() override { std::fflush(stdout); }
};

}  // namespace

void appendJsonEscaped(std::string& out, std::string_view s) {
  constexpr char kHex[] = "0123456789abcdef";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 15];
        } else {
          out += static_cast<char>(c);
        }
    }
  }
}

void setup(const std::string& level, bool json) {
  // One sink each: spdlog keeps the format in the sink. Both write whole lines to
  // stdout, and stdio locks the stream per write, so lines never interleave.
  auto app = std::make_shared<spdlog::logger>("authd", std::make_shared<spdlog::sinks::stdout_sink_mt>());
  auto access = std::make_shared<spdlog::logger>("access", std::make_shared<BufferedStdoutSink>());
  if (json) {
    auto appFormat = std::make_unique<spdlog::pattern_formatter>();
    appFormat->add_flag<JsonMessageFlag>('*').set_pattern(R"({"ts":"%Y-%m-%dT%H:%M:%S.%e%z","level":"%l","msg":"%*"})");
    app->set_formatter(std::move(appFormat));
    // Access lines carry their own fields ("method":…,"status":…).
    access->set_pattern(R"({"ts":"%Y-%m-%dT%H:%M:%S.%e%z","level":"%l",%v})");
  } else {
    app->set_pattern(kTextPattern);
    access->set_pattern(kTextPattern);
  }
  for (const auto& l : {app, access}) {
    l->set_level(spdlog::level::from_str(level));
    l->flush_on(spdlog::level::warn);
  }
  spdlog::drop_all();
  spdlog::register_logger(access);
  spdlog::set_default_logger(app);
  spdlog::flush_every(std::chrono::seconds(1));
}

}  // namespace authd::logging
