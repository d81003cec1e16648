#include "server/file_limit.h"

#include <sys/resource.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace sluice::server {

std::string RaiseFileLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) {
    return absl::StrCat("open files limit unknown: ", std::strerror(errno));
  }
  if (limit.rlim_cur >= limit.rlim_max) {
    return absl::StrCat("open files limit ", limit.rlim_cur);
  }
  const rlim_t soft = limit.rlim_cur;
  limit.rlim_cur = limit.rlim_max;
  if (setrlimit(RLIMIT_NOFILE, &limit) != 0) {
    return absl::StrCat("open files limit ", soft, " (raising it to ", limit.rlim_max,
                        " failed: ", std::strerror(errno), ")");
  }
  return absl::StrCat("open files limit raised from ", soft, " to ", limit.rlim_max);
}

}  // namespace sluice::server
