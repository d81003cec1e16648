#include "cluster/fnv.h"

#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace sluice::cluster {

absl::StatusOr<HashFunction> ParseHashFunction(std::string_view name) {
  if (name == "fnv1") return HashFunction::kFnv1;
  if (name == "fnv1a") return HashFunction::kFnv1a;
  return absl::InvalidArgumentError(absl::StrCat("hash function '", std::string(name),
                                                 "' is invalid; choices are 'fnv1', 'fnv1a'"));
}

std::string_view HashFunctionName(HashFunction function) {
  return function == HashFunction::kFnv1a ? "fnv1a" : "fnv1";
}

}  // namespace sluice::cluster
