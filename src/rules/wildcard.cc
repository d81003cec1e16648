#include "rules/wildcard.h"

namespace sluice::rules {

WildcardPattern::WildcardPattern(std::string_view pattern) : pattern_(pattern) {
  size_t start = 0;
  while (true) {
    const size_t star = pattern.find('*', start);
    if (star == std::string_view::npos) break;
    pieces_.emplace_back(pattern.substr(start, star - start));
    start = star + 1;
  }
  pieces_.emplace_back(pattern.substr(start));
}

bool WildcardPattern::HasWildcard(std::string_view pattern) {
  return pattern.find('*') != std::string_view::npos;
}

bool WildcardPattern::Matches(std::string_view text) const {
  if (pieces_.size() == 1) return text == pieces_.front();
  const std::string& first = pieces_.front();
  const std::string& last = pieces_.back();
  if (text.size() < first.size() + last.size()) return false;
  if (!text.starts_with(first) || !text.ends_with(last)) return false;
  // The middle pieces must appear in order, without overlapping the prefix or the suffix.
  std::string_view rest = text.substr(first.size(), text.size() - first.size() - last.size());
  for (size_t i = 1; i + 1 < pieces_.size(); ++i) {
    const std::string& piece = pieces_[i];
    const size_t at = rest.find(piece);
    if (at == std::string_view::npos) return false;
    rest.remove_prefix(at + piece.size());
  }
  return true;
}

}  // namespace sluice::rules
