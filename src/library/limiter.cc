// sluice::Limiter (include/sluice/limiter.h): the public request and answer translated
// field for field to the core's, checked as a Gubernator door checks them.
#include "sluice/limiter.h"

#include <chrono>

#include "core/admission.h"
#include "core/clock.h"
#include "core/limiter.h"
#include "core/store.h"
#include "library/public_types.h"

namespace sluice {
namespace {

// The public clock seen through the core's interface.
class ClockAdapter final : public core::Clock {
 public:
  explicit ClockAdapter(const sluice::Clock& clock) : clock_(clock) {}
  int64_t NowMillis() const override { return clock_.NowMillis(); }

 private:
  const sluice::Clock& clock_;
};

class SystemClockImpl final : public sluice::Clock {
 public:
  int64_t NowMillis() const override { return core::SystemClock::Instance().NowMillis(); }
};

Answer Error(std::string text) {
  Answer a;
  a.error = std::move(text);
  return a;
}

}  // namespace

const Clock& SystemClock() {
  static const SystemClockImpl clock;
  return clock;
}

struct Limiter::Impl {
  explicit Impl(const LimiterOptions& o)
      : clock(o.clock != nullptr ? *o.clock : SystemClock()),
        store(core::StoreOptions{.capacity = o.capacity}),
        limiter(store, o.store),
        admission{.max_key_bytes = o.max_key_bytes, .max_clock_skew_ms = o.max_clock_skew_ms} {}

  Answer Check(const Request& request, int64_t now) {
    if (request.unique_key.empty()) return Error("field 'unique_key' cannot be empty");
    if (request.name.empty()) return Error("field 'namespace' cannot be empty");
    core::RateLimitRequest req = ToCore(request);
    core::Admission admitted = core::Admit(req, now, admission);
    if (!admitted.ok()) return Error(std::move(admitted.error));
    return FromCore(limiter.Check(req, now));
  }

  ClockAdapter clock;
  core::Store store;
  core::Limiter limiter;
  core::AdmissionOptions admission;
};

Limiter::Limiter(LimiterOptions options) : impl_(std::make_unique<Impl>(options)) {}

Limiter::~Limiter() = default;

Answer Limiter::Check(const Request& request) {
  return impl_->Check(request, impl_->clock.NowMillis());
}

std::vector<Answer> Limiter::Check(std::span<const Request> requests) {
  const int64_t now = impl_->clock.NowMillis();  // one instant for the batch, as a door does
  std::vector<Answer> answers;
  answers.reserve(requests.size());
  for (const Request& r : requests) answers.push_back(impl_->Check(r, now));
  return answers;
}

Status Limiter::Load(Loader& loader) {
  const int64_t now = impl_->clock.NowMillis();
  return loader.Load([&](const StoredItemView& item) { impl_->limiter.Restore(item, now); });
}

Status Limiter::Save(Loader& loader) const {
  const int64_t now = impl_->clock.NowMillis();
  return loader.Save(
      [&](const Loader::ItemSink& sink) { impl_->limiter.Snapshot(now, sink); });
}

size_t Limiter::size() const { return impl_->store.Size(); }

}  // namespace sluice
