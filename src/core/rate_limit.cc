#include "core/rate_limit.h"

namespace sluice::core {

std::string HashKey(std::string_view name, std::string_view unique_key) {
  std::string key;
  key.reserve(name.size() + 1 + unique_key.size());
  key.append(name).append("_").append(unique_key);
  return key;
}

std::string_view HashKeyInto(std::string& buffer, std::string_view name,
                             std::string_view unique_key) {
  buffer.assign(name).append("_").append(unique_key);
  return buffer;
}

}  // namespace sluice::core
