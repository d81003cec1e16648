// Strict UTF-8 (RFC 3629), as protobuf's JSON reader and printer require it.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <string_view>

namespace sluice::common {

// Decodes the UTF-8 sequence at *p, whose lead byte is not ASCII, and advances *p past it. False
// (and *p unmoved) for anything protobuf would reject: stray continuation bytes, truncated
// sequences, overlong forms, surrogates and code points above U+10FFFF.
bool DecodeMultibyteUtf8(const char** p, const char* end, uint32_t* code_point);

// True when every byte of `s` belongs to a valid sequence.
bool IsValidUtf8(std::string_view s);

}  // namespace sluice::common
