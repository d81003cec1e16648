#include "common/json_string.h"

#include <cstdint>

#include "common/utf8.h"

namespace sluice::common {
namespace {

// Protobuf 3.21 escapes these non-ASCII code points as \uXXXX (util/internal/json_escaping.cc:
// C1 controls and invisible or formatting characters); every other one is copied as UTF-8.
// gubernator_json_test.cc checks the boundaries of each range against protobuf.
bool NeedsUnicodeEscape(uint32_t cp) {
  if (cp < 0x10000) {
    return cp < 0xa0 || cp == 0xad || (cp >= 0x600 && cp <= 0x603) || cp == 0x6dd || cp == 0x70f ||
           cp == 0x17b4 || cp == 0x17b5 || (cp >= 0x200b && cp <= 0x200f) ||
           (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2060 && cp <= 0x2064) ||
           (cp >= 0x206a && cp <= 0x206f) || cp == 0xfeff || (cp >= 0xfff9 && cp <= 0xfffb);
  }
  return (cp >= 0x1d173 && cp <= 0x1d17a) || cp == 0xe0001 || (cp >= 0xe0020 && cp <= 0xe007f);
}

// ASCII bytes protobuf copies as they are. It escapes the rest: '"' and '\\' as JSON requires,
// '<' and '>' for HTML safety, and control characters.
bool IsPlainAscii(unsigned char c) {
  return c >= 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '<' && c != '>';
}

void AppendUtf16Escape(uint32_t unit, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  char escape[6] = {'\\',
                    'u',
                    kHex[(unit >> 12) & 0xf],
                    kHex[(unit >> 8) & 0xf],
                    kHex[(unit >> 4) & 0xf],
                    kHex[unit & 0xf]};
  out->append(escape, sizeof(escape));
}

void AppendAsciiEscape(unsigned char c, std::string* out) {
  switch (c) {
    case '"':
      out->append("\\\"");
      return;
    case '\\':
      out->append("\\\\");
      return;
    case '\b':
      out->append("\\b");
      return;
    case '\f':
      out->append("\\f");
      return;
    case '\n':
      out->append("\\n");
      return;
    case '\r':
      out->append("\\r");
      return;
    case '\t':
      out->append("\\t");
      return;
    default:
      AppendUtf16Escape(c, out);
  }
}

}  // namespace

bool AppendJsonEscaped(std::string_view s, std::string* out) {
  bool valid = true;
  const char* p = s.data();
  const char* end = p + s.size();
  while (p != end) {
    const char* run = p;
    while (p != end && IsPlainAscii(static_cast<unsigned char>(*p))) ++p;
    out->append(run, p);
    if (p == end) break;
    auto c = static_cast<unsigned char>(*p);
    if (c < 0x80) {
      AppendAsciiEscape(c, out);
      ++p;
      continue;
    }
    const char* start = p;
    uint32_t cp;
    if (!DecodeMultibyteUtf8(&p, end, &cp)) {
      valid = false;
      AppendUtf16Escape(0xfffd, out);  // the replacement character, for this one byte
      ++p;
    } else if (!NeedsUnicodeEscape(cp)) {
      out->append(start, p);
    } else if (cp < 0x10000) {
      AppendUtf16Escape(cp, out);
    } else {
      AppendUtf16Escape(0xd800 + ((cp - 0x10000) >> 10), out);
      AppendUtf16Escape(0xdc00 + ((cp - 0x10000) & 0x3ff), out);
    }
  }
  return valid;
}

bool AppendJsonString(std::string_view s, std::string* out) {
  out->push_back('"');
  const bool valid = AppendJsonEscaped(s, out);
  out->push_back('"');
  return valid;
}

std::string JsonString(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  AppendJsonString(s, &out);
  return out;
}

}  // namespace sluice::common
