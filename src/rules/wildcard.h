// WildcardPattern: a descriptor value with `*` wildcards, as in envoyproxy/ratelimit (reference
// §3.3). Each `*` matches any run of characters, possibly empty; everything else is literal. The
// pattern is split once, at load time, into its literal pieces, so matching allocates nothing.
//
// Thread safety: immutable after construction; Matches() may be called from any thread.
// Invariant: pieces().size() == number of `*` + 1 (leading/trailing pieces may be empty).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sluice::rules {

class WildcardPattern {
 public:
  explicit WildcardPattern(std::string_view pattern);

  // True when `pattern` contains at least one `*` (otherwise it is a plain literal value).
  static bool HasWildcard(std::string_view pattern);

  // True if the whole of `text` matches the pattern. Leftmost-first matching of the middle pieces
  // is complete for `*`-only globs, so this is linear in |text| times the number of pieces.
  bool Matches(std::string_view text) const;

  const std::string& pattern() const { return pattern_; }
  const std::vector<std::string>& pieces() const { return pieces_; }

 private:
  std::string pattern_;
  std::vector<std::string> pieces_;
};

}  // namespace sluice::rules
