#include "core/admission.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "core/saturating.h"

namespace sluice::core {
namespace {

// The per-item error for a field outside [low, kMaxRequestValue], or empty.
std::string CheckRange(std::string_view field, int64_t value, int64_t low) {
  if (value >= low && value <= kMaxRequestValue) return {};
  return absl::StrCat("field '", std::string(field), "' is ", value, "; allowed: ", low, " to ",
                      kMaxRequestValue);
}

}  // namespace

std::string CheckKeyLength(size_t key_bytes, const AdmissionOptions& options) {
  if (key_bytes <= options.max_key_bytes) return {};
  return absl::StrCat("key of ", key_bytes, " bytes (namespace + '_' + unique_key) exceeds the ",
                      options.max_key_bytes, "-byte limit (--max-key-bytes)");
}

Admission Admit(RateLimitRequest& req, int64_t now, const AdmissionOptions& options) {
  Admission out;
  out.error = CheckKeyLength(req.name.size() + 1 + req.unique_key.size(), options);
  if (!out.error.empty()) {
    out.rejection = Admission::Rejection::kKeyTooLong;
    return out;
  }
  for (std::string error : {CheckRange("hits", req.hits, -kMaxRequestValue),
                            CheckRange("limit", req.limit, -kMaxRequestValue),
                            CheckRange("duration", req.duration, -kMaxRequestValue),
                            CheckRange("burst", req.burst, -kMaxRequestValue),
                            CheckRange("created_at", req.created_at, 0)}) {
    if (!error.empty()) {
      out.rejection = Admission::Rejection::kOutOfRange;
      out.error = std::move(error);
      return out;
    }
  }
  if (req.created_at == 0) {
    req.created_at = now;
    return out;
  }
  const int64_t skew = std::max<int64_t>(options.max_clock_skew_ms, 0);
  const int64_t clamped =
      std::clamp(req.created_at, SatSub(now, skew), SatAdd(now, skew));
  out.clamped = clamped != req.created_at;
  req.created_at = clamped;
  return out;
}

}  // namespace sluice::core
