#include "trace/sampler.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace sluice::trace {

Sampler Sampler::ParentBasedRatio(double ratio) {
  return Sampler(Root::kRatio, true, std::clamp(ratio, 0.0, 1.0));
}

absl::StatusOr<Sampler> Sampler::FromConfig(std::string_view name, std::string_view arg) {
  const std::string lower = absl::AsciiStrToLower(absl::StripAsciiWhitespace(std::string(name)));
  const std::string ratio_text(absl::StripAsciiWhitespace(std::string(arg)));
  double ratio = 1.0;
  const bool ratio_based = lower == "traceidratio" || lower == "parentbased_traceidratio";
  if (ratio_based && !ratio_text.empty()) {
    if (!absl::SimpleAtod(ratio_text, &ratio) || !std::isfinite(ratio) ||
        ratio < 0 || ratio > 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid trace sampler ratio '", std::string(arg), "'; want a number in 0..1"));
    }
  }
  if (lower == "always_on") return Sampler(Root::kAlwaysOn, false, 1);
  if (lower == "always_off") return Sampler(Root::kAlwaysOff, false, 0);
  if (lower == "traceidratio") return Sampler(Root::kRatio, false, ratio);
  if (lower == "parentbased_always_on") return Sampler(Root::kAlwaysOn, true, 1);
  if (lower == "parentbased_always_off") return Sampler(Root::kAlwaysOff, true, 0);
  if (lower == "parentbased_traceidratio") return Sampler(Root::kRatio, true, ratio);
  return absl::InvalidArgumentError(absl::StrCat(
      "invalid trace sampler '", std::string(name),
      "'; allowed: always_on, always_off, traceidratio, parentbased_always_on, "
      "parentbased_always_off, parentbased_traceidratio"));
}

bool Sampler::SampleRoot(const TraceId& trace_id) const {
  switch (root_) {
    case Root::kAlwaysOn:
      return true;
    case Root::kAlwaysOff:
      return false;
    case Root::kRatio:
      break;
  }
  if (ratio_ >= 1.0) return true;
  if (ratio_ <= 0.0) return false;
  uint64_t low = 0;
  for (size_t i = 8; i < 16; ++i) low = (low << 8) | trace_id[i];
  const auto bound = static_cast<uint64_t>(ratio_ * 9223372036854775808.0);  // ratio * 2^63
  return (low >> 1) < bound;
}

bool Sampler::ShouldSample(const std::optional<TraceContext>& parent,
                           const TraceId& trace_id) const {
  if (parent_based_ && parent) return parent->sampled;
  return SampleRoot(trace_id);
}

bool Sampler::RootNeverSamples() const {
  return root_ == Root::kAlwaysOff || (root_ == Root::kRatio && ratio_ <= 0.0);
}

}  // namespace sluice::trace
