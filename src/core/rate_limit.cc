#include "core/rate_limit.h"

namespace sluice::core {

std::string HashKey(std::string_view name, std::string_view unique_key) {
  std::string key;
  HashKeyInto(key, name, unique_key);
  return key;
}

std::string_view HashKeyInto(std::string& buffer, std::string_view name,
                             std::string_view unique_key) {
  buffer.clear();
  buffer.reserve(name.size() + 1 + unique_key.size());  // no-op once a reused buffer is big enough
  buffer.append(name).append("_").append(unique_key);
  return buffer;
}

}  // namespace sluice::core
