#include "obs/logging.h"

#include <atomic>
#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "common/json_string.h"
#include "fmt/format.h"
#include "spdlog/pattern_formatter.h"
#include "spdlog/sinks/stdout_sinks.h"
#include "spdlog/spdlog.h"

namespace sluice::obs {
namespace {

constexpr std::string_view kLoggerName = "sluice";
constexpr std::string_view kTimePattern = "%Y-%m-%dT%H:%M:%S.%eZ";
constexpr std::string_view kAllowedLevels = "trace, debug, info, warn, error, critical, off";

// The %* flag: the log message, escaped to sit inside a JSON string.
class JsonMessageFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm& /*tm_time*/,
              spdlog::memory_buf_t& dest) override {
    std::string escaped;
    common::AppendJsonEscaped(std::string_view(msg.payload.data(), msg.payload.size()), &escaped);
    dest.append(escaped.data(), escaped.data() + escaped.size());
  }

  std::unique_ptr<spdlog::custom_flag_formatter> clone() const override {
    return std::make_unique<JsonMessageFlag>();
  }
};

std::atomic<LogTraceIdSource> trace_id_source{nullptr};

// The %& flag: the trace id of the work on the logging thread, when tracing knows one —
// `[trace_id=<hex>] ` in text lines, `"trace_id":"<hex>",` in JSON lines; nothing otherwise.
class TraceIdFlag final : public spdlog::custom_flag_formatter {
 public:
  explicit TraceIdFlag(bool json) : json_(json) {}
  void format(const spdlog::details::log_msg& /*msg*/, const std::tm& /*tm_time*/,
              spdlog::memory_buf_t& dest) override {
    const LogTraceIdSource source = trace_id_source.load(std::memory_order_acquire);
    char id[32];
    if (source == nullptr || !source(id)) return;
    const std::string_view open = json_ ? R"("trace_id":")" : "[trace_id=";
    const std::string_view close = json_ ? R"(",)" : "] ";
    dest.append(open.data(), open.data() + open.size());
    dest.append(id, id + sizeof(id));
    dest.append(close.data(), close.data() + close.size());
  }
  std::unique_ptr<spdlog::custom_flag_formatter> clone() const override {
    return std::make_unique<TraceIdFlag>(json_);
  }

 private:
  const bool json_;
};

// Text that a pattern shows as is: '%' starts a flag, so it is doubled.
std::string PatternLiteral(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '%') out.push_back('%');
    out.push_back(c);
  }
  return out;
}

}  // namespace

void SetLogTraceIdSource(LogTraceIdSource source) {
  trace_id_source.store(source, std::memory_order_release);
}

absl::StatusOr<spdlog::level::level_enum> ParseLogLevel(std::string_view level) {
  const std::string name = absl::AsciiStrToLower(absl::string_view(level.data(), level.size()));
  if (name == "trace") return spdlog::level::trace;
  if (name == "debug") return spdlog::level::debug;
  if (name == "info") return spdlog::level::info;
  if (name == "warn" || name == "warning") return spdlog::level::warn;
  if (name == "error") return spdlog::level::err;
  if (name == "critical" || name == "fatal" || name == "panic") return spdlog::level::critical;
  if (name == "off") return spdlog::level::off;
  return absl::InvalidArgumentError(
      fmt::format("invalid log level '{}'; allowed: {}", level, kAllowedLevels));
}

absl::StatusOr<LogFormat> ParseLogFormat(std::string_view format) {
  const std::string name = absl::AsciiStrToLower(absl::string_view(format.data(), format.size()));
  if (name == "text") return LogFormat::kText;
  if (name == "json") return LogFormat::kJson;
  return absl::InvalidArgumentError(
      fmt::format("invalid log format '{}'; allowed: text, json", format));
}

std::unique_ptr<spdlog::formatter> MakeLogFormatter(LogFormat format, std::string_view instance) {
  auto formatter = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
  formatter->add_flag<TraceIdFlag>('&', format == LogFormat::kJson);
  if (format == LogFormat::kJson) {
    formatter->add_flag<JsonMessageFlag>('*');
    std::string instance_field;
    if (!instance.empty()) {
      std::string escaped;
      common::AppendJsonEscaped(instance, &escaped);
      instance_field = fmt::format(R"("instance":"{}",)", PatternLiteral(escaped));
    }
    formatter->set_pattern(fmt::format(R"({{"time":"{}","level":"%l",{}%&"msg":"%*"}})",
                                       kTimePattern, instance_field));
  } else {
    const std::string tag = instance.empty() ? "" : fmt::format("[{}] ", PatternLiteral(instance));
    formatter->set_pattern(fmt::format("{} [%l] {}%&%v", kTimePattern, tag));
  }
  return formatter;
}

absl::Status ConfigureLogging(std::string_view level, std::string_view format,
                              std::string_view instance) {
  return ConfigureLogging(level, format, std::make_shared<spdlog::sinks::stderr_sink_mt>(),
                          instance);
}

absl::Status ConfigureLogging(std::string_view level, std::string_view format,
                              spdlog::sink_ptr sink, std::string_view instance) {
  const absl::StatusOr<spdlog::level::level_enum> parsed_level = ParseLogLevel(level);
  if (!parsed_level.ok()) return parsed_level.status();
  const absl::StatusOr<LogFormat> parsed_format = ParseLogFormat(format);
  if (!parsed_format.ok()) return parsed_format.status();
  if (sink == nullptr) return absl::InvalidArgumentError("log sink is null");

  sink->set_formatter(MakeLogFormatter(*parsed_format, instance));
  auto logger = std::make_shared<spdlog::logger>(std::string(kLoggerName), std::move(sink));
  logger->set_level(*parsed_level);
  spdlog::set_default_logger(std::move(logger));
  return absl::OkStatus();
}

}  // namespace sluice::obs
