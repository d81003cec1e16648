// StoreKey: the key bytes of one store entry, held inside the entry when they fit (up to
// kInlineBytes, which covers typical "<name>_<unique_key>" keys) and on the heap otherwise.
// Keeping the bytes in the entry means a lookup that reaches the entry compares the key without
// another cache miss; over a large key set that miss is a third of a decision's cost.
//
// Thread safety: a plain value; the owning shard's lock guards it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace sluice::core {

class StoreKey {
 public:
  static constexpr size_t kInlineBytes = 40;

  StoreKey() = default;
  ~StoreKey() { Clear(); }
  StoreKey(StoreKey&& other) noexcept;
  StoreKey& operator=(StoreKey&& other) noexcept;
  StoreKey(const StoreKey&) = delete;
  StoreKey& operator=(const StoreKey&) = delete;

  // Replaces the key with a copy of `key`.
  void Assign(std::string_view key);
  // Empties the key and frees heap bytes, if any.
  void Clear();

  std::string_view view() const { return {data(), size_}; }
  bool operator==(std::string_view other) const { return view() == other; }

 private:
  bool on_heap() const { return size_ > kInlineBytes; }
  const char* data() const { return on_heap() ? heap_ : inline_; }

  uint32_t size_ = 0;
  union {
    char inline_[kInlineBytes];
    char* heap_;
  };
};

}  // namespace sluice::core
