#include "common/utf8.h"

namespace sluice::common {

bool DecodeMultibyteUtf8(const char** p, const char* end, uint32_t* code_point) {
  const auto* s = reinterpret_cast<const unsigned char*>(*p);
  const auto* e = reinterpret_cast<const unsigned char*>(end);
  int length;
  uint32_t cp;
  uint32_t min;
  if (s[0] >= 0xc2 && s[0] <= 0xdf) {
    length = 2, cp = s[0] & 0x1fu, min = 0x80;
  } else if (s[0] >= 0xe0 && s[0] <= 0xef) {
    length = 3, cp = s[0] & 0x0fu, min = 0x800;
  } else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
    length = 4, cp = s[0] & 0x07u, min = 0x10000;
  } else {
    return false;
  }
  if (e - s < length) return false;
  for (int i = 1; i < length; ++i) {
    if ((s[i] & 0xc0u) != 0x80) return false;
    cp = (cp << 6) | (s[i] & 0x3fu);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
  *p += length;
  *code_point = cp;
  return true;
}

bool IsValidUtf8(std::string_view s) {
  const char* p = s.data();
  const char* end = p + s.size();
  while (p != end) {
    if (static_cast<unsigned char>(*p) < 0x80) {
      ++p;
      continue;
    }
    uint32_t code_point;
    if (!DecodeMultibyteUtf8(&p, end, &code_point)) return false;
  }
  return true;
}

}  // namespace sluice::common
