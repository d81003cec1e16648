#include "obs/callback_metric.h"

namespace sluice::obs {

void CallbackMetric::SetCallback(std::function<double()> callback) {
  std::function<double()> old;
  {
    absl::MutexLock lock(&mu_);
    old = std::exchange(callback_, std::move(callback));
  }
  // `old` and whatever it captured are destroyed here, outside the lock.
}

double CallbackMetric::Value() const {
  absl::MutexLock lock(&mu_);
  return callback_ ? callback_() : 0;
}

}  // namespace sluice::obs
