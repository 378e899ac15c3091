#include "api/serving/structured_log.h"

#include <algorithm>
#include <chrono>
#include <memory>

#include "fmt/chrono.h"
#include "fmt/format.h"
#include "nlohmann/json.hpp"
#include "spdlog/formatter.h"
#include "spdlog/spdlog.h"

namespace feedrank::api::serving {
namespace {

// The fields of the event being logged on this thread. spdlog's default logger formats on the
// calling thread, inside spdlog::log, so the formatter finds them here.
thread_local const std::initializer_list<LogField>* current_fields = nullptr;

// A value needs quotes in a key=value line when it holds a space, quote, '=' or any control
// character (a client's \r must not forge a line). Empty values are left out.
std::string text_value(std::string_view value) {
  const bool plain = std::none_of(value.begin(), value.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte < 0x20 || byte == 0x7f || c == ' ' || c == '"' || c == '=';
  });
  if (plain) return std::string(value);
  // Quoted and escaped; invalid UTF-8 (a client's text in an error message) is replaced.
  return nlohmann::json(std::string(value))
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

class FieldFormatter final : public spdlog::formatter {
 public:
  explicit FieldFormatter(LogFormat format) : format_(format) {}

  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    const auto seconds = std::chrono::time_point_cast<std::chrono::seconds>(msg.time);
    const auto millis =
        std::chrono::duration_cast<std::chrono::milliseconds>(msg.time - seconds).count();
    // In UTC, as the Z says: fmt formats a time_point in the local zone.
    const std::string timestamp =
        fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03d}Z",
                    fmt::gmtime(std::chrono::system_clock::to_time_t(seconds)), millis);
    const spdlog::string_view_t level_name = spdlog::level::to_string_view(msg.level);
    const std::string_view level(level_name.data(), level_name.size());
    const std::string_view message(msg.payload.data(), msg.payload.size());
    std::string line;
    if (format_ == LogFormat::kJson) {
      // Ordered: time, level and message first, as a reader scans them.
      nlohmann::ordered_json object = {{"ts", timestamp}, {"level", level}, {"msg", message}};
      if (current_fields) {
        for (const auto& [key, value] : *current_fields) {
          if (!value.empty()) object[std::string(key)] = value;
        }
      }
      // Invalid UTF-8 from a client (a request id is checked, but be safe) is replaced, not thrown.
      line = object.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
    } else {
      line = fmt::format("{} {} {}", timestamp, level, message);
      if (current_fields) {
        for (const auto& [key, value] : *current_fields) {
          if (!value.empty()) line += fmt::format(" {}={}", key, text_value(value));
        }
      }
    }
    line += '\n';
    dest.append(line.data(), line.data() + line.size());
  }

  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<FieldFormatter>(format_);
  }

 private:
  LogFormat format_;
};

}  // namespace

bool parse_log_format(std::string_view text, LogFormat& out) {
  if (text == "text") {
    out = LogFormat::kText;
  } else if (text == "json") {
    out = LogFormat::kJson;
  } else {
    return false;
  }
  return true;
}

absl::Status configure_logging(std::string_view level, LogFormat format) {
  const spdlog::level::level_enum parsed = spdlog::level::from_str(std::string(level));
  // from_str answers "off" for anything it does not know.
  if (parsed == spdlog::level::off && level != "off") {
    return absl::InvalidArgumentError(fmt::format(
        "--log-level: must be trace, debug, info, warn, error, critical or off, got '{}'", level));
  }
  spdlog::set_level(parsed);
  spdlog::set_formatter(std::make_unique<FieldFormatter>(format));
  return absl::OkStatus();
}

void log_event(spdlog::level::level_enum level, std::string_view message,
               std::initializer_list<LogField> fields) {
  if (!spdlog::should_log(level)) return;
  current_fields = &fields;
  spdlog::log(level, "{}", message);
  current_fields = nullptr;
}

}  // namespace feedrank::api::serving
