#include "core/store_key.h"

#include <cstring>
#include <limits>
#include <stdexcept>

namespace sluice::core {

StoreKey::StoreKey(StoreKey&& other) noexcept : size_(other.size_) {
  std::memcpy(inline_, other.inline_, kInlineBytes);  // the bytes, or the heap pointer
  other.size_ = 0;
}

StoreKey& StoreKey::operator=(StoreKey&& other) noexcept {
  if (this != &other) {
    Clear();
    size_ = other.size_;
    std::memcpy(inline_, other.inline_, kInlineBytes);
    other.size_ = 0;
  }
  return *this;
}

void StoreKey::Assign(std::string_view key) {
  if (key.size() > std::numeric_limits<uint32_t>::max()) {
    throw std::length_error("store key longer than 4 GiB");
  }
  Clear();
  if (key.size() > kInlineBytes) {
    heap_ = new char[key.size()];
    std::memcpy(heap_, key.data(), key.size());
  } else if (!key.empty()) {
    std::memcpy(inline_, key.data(), key.size());
  }
  size_ = static_cast<uint32_t>(key.size());
}

void StoreKey::Clear() {
  if (on_heap()) delete[] heap_;
  size_ = 0;
}

}  // namespace sluice::core
