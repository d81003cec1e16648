#include "trace/trace_context.h"

#include <algorithm>
#include <random>
#include <vector>

namespace sluice::trace {
namespace {

constexpr size_t kTraceparentLength = 55;  // 2 + 1 + 32 + 1 + 16 + 1 + 2
constexpr size_t kMaxTracestateMembers = 32;
constexpr size_t kMaxTracestateLength = 512;

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;  // uppercase is invalid in traceparent
}

// Decodes exactly out.size()*2 lowercase hex digits.
template <size_t N>
bool DecodeHex(std::string_view hex, std::array<uint8_t, N>& out) {
  if (hex.size() != 2 * N) return false;
  for (size_t i = 0; i < N; ++i) {
    const int high = HexValue(hex[2 * i]);
    const int low = HexValue(hex[2 * i + 1]);
    if (high < 0 || low < 0) return false;
    out[i] = static_cast<uint8_t>(high * 16 + low);
  }
  return true;
}

template <size_t N>
bool AllZero(const std::array<uint8_t, N>& id) {
  return std::all_of(id.begin(), id.end(), [](uint8_t b) { return b == 0; });
}

template <size_t N>
std::string Hex(const std::array<uint8_t, N>& id) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(2 * N, '0');
  for (size_t i = 0; i < N; ++i) {
    out[2 * i] = kDigits[id[i] >> 4];
    out[2 * i + 1] = kDigits[id[i] & 0xf];
  }
  return out;
}

bool LowerAlpha(char c) { return c >= 'a' && c <= 'z'; }
bool Digit(char c) { return c >= '0' && c <= '9'; }

// key = simple-key / multi-tenant-key (tenant@system), per the specification's grammar.
bool ValidKeyPart(std::string_view part, size_t max, bool first_may_be_digit) {
  if (part.empty() || part.size() > max) return false;
  if (!LowerAlpha(part[0]) && !(first_may_be_digit && Digit(part[0]))) return false;
  for (char c : part.substr(1)) {
    if (!LowerAlpha(c) && !Digit(c) && c != '_' && c != '-' && c != '*' && c != '/') return false;
  }
  return true;
}

bool ValidKey(std::string_view key) {
  const size_t at = key.find('@');
  if (at == std::string_view::npos) return ValidKeyPart(key, 256, false);
  return ValidKeyPart(key.substr(0, at), 241, true) && ValidKeyPart(key.substr(at + 1), 14, false);
}

// value = 0*255(chr) nblk-chr; chr = %x20 / nblk-chr; nblk-chr = %x21-2B / %x2D-3C / %x3E-7E
bool ValidValue(std::string_view value) {
  if (value.empty() || value.size() > 256 || value.back() == ' ') return false;
  return std::all_of(value.begin(), value.end(), [](char c) {
    return c >= 0x20 && c <= 0x7e && c != ',' && c != '=';
  });
}

std::string_view TrimBlanks(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::mt19937_64& Generator() {
  thread_local std::mt19937_64 generator{std::random_device{}()};
  return generator;
}

template <size_t N>
std::array<uint8_t, N> RandomId() {
  std::array<uint8_t, N> id{};
  do {
    for (size_t i = 0; i < N; i += 8) {
      uint64_t bits = Generator()();
      for (size_t j = 0; j < 8 && i + j < N; ++j) id[i + j] = static_cast<uint8_t>(bits >> (8 * j));
    }
  } while (AllZero(id));
  return id;
}

}  // namespace

bool TraceContext::valid() const { return !AllZero(trace_id) && !AllZero(span_id); }

std::optional<TraceContext> ParseTraceparent(std::string_view header) {
  if (header.size() < kTraceparentLength) return std::nullopt;
  std::array<uint8_t, 1> version{};
  if (!DecodeHex(header.substr(0, 2), version) || version[0] == 0xff) return std::nullopt;
  if (version[0] == 0 && header.size() != kTraceparentLength) return std::nullopt;
  if (header.size() > kTraceparentLength && header[kTraceparentLength] != '-') return std::nullopt;
  if (header[2] != '-' || header[35] != '-' || header[52] != '-') return std::nullopt;
  TraceContext context;
  std::array<uint8_t, 1> flags{};
  if (!DecodeHex(header.substr(3, 32), context.trace_id) ||
      !DecodeHex(header.substr(36, 16), context.span_id) ||
      !DecodeHex(header.substr(53, 2), flags) || !context.valid()) {
    return std::nullopt;
  }
  context.sampled = (flags[0] & 0x01) != 0;
  return context;
}

bool ValidTracestate(std::string_view header) {
  if (header.size() > kMaxTracestateLength) return false;
  std::vector<std::string_view> keys;
  size_t start = 0;
  while (start <= header.size()) {
    size_t comma = header.find(',', start);
    if (comma == std::string_view::npos) comma = header.size();
    const std::string_view member = TrimBlanks(header.substr(start, comma - start));
    start = comma + 1;
    if (member.empty()) continue;
    const size_t eq = member.find('=');
    if (eq == std::string_view::npos) return false;
    const std::string_view key = member.substr(0, eq);
    if (!ValidKey(key) || !ValidValue(member.substr(eq + 1))) return false;
    if (std::find(keys.begin(), keys.end(), key) != keys.end()) return false;
    keys.push_back(key);
    if (keys.size() > kMaxTracestateMembers) return false;
  }
  return true;
}

std::optional<TraceContext> ExtractTraceContext(std::string_view traceparent,
                                                std::string_view tracestate) {
  std::optional<TraceContext> context = ParseTraceparent(traceparent);
  if (context && !tracestate.empty() && ValidTracestate(tracestate)) {
    context->tracestate = std::string(tracestate);
  }
  return context;
}

std::string FormatTraceparent(const TraceContext& context) {
  std::string out = "00-";
  out.reserve(kTraceparentLength);
  out += ToHex(context.trace_id);
  out += '-';
  out += ToHex(context.span_id);
  out += context.sampled ? "-01" : "-00";
  return out;
}

std::string ToHex(const TraceId& id) { return Hex(id); }
std::string ToHex(const SpanId& id) { return Hex(id); }

TraceId NewTraceId() { return RandomId<16>(); }
SpanId NewSpanId() { return RandomId<8>(); }

}  // namespace sluice::trace
