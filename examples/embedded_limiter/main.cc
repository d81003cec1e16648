// A small service that rate-limits its own callers with an embedded sluice::Limiter: no sidecar,
// no network. Each "login attempt" of a user is checked against two limits (5 a minute, 20 an
// hour); the state is saved to a file at exit and loaded at start, so a restart keeps the counts.
//
// Run: embedded_limiter [STATE_FILE]. Exits 0 when every decision is the one expected.
#include <sluice/limiter.h>
#include <sluice/version.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace {

// A Loader on a plain file: one item per line, the opaque state hex-encoded. (A real service
// could keep the items in its own database the same way.)
class LineFileLoader final : public sluice::Loader {
 public:
  explicit LineFileLoader(std::string path) : path_(std::move(path)) {}

  sluice::Status Load(const ItemSink& add) override {
    std::ifstream in(path_);
    if (!in) return sluice::Status::Ok();  // no file yet: a first start
    std::string key, hex;
    int64_t expire_at = 0, duration = 0;
    while (in >> key >> expire_at >> duration >> hex) {
      std::string state;
      for (size_t i = 0; i + 1 < hex.size(); i += 2) {
        state.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
      }
      add({key, expire_at, duration, state});
    }
    return in.eof() ? sluice::Status::Ok()
                    : sluice::Status::Error("'" + path_ + "': unreadable line");
  }

  sluice::Status Save(const std::function<void(const ItemSink&)>& for_each) override {
    std::ofstream out(path_, std::ios::trunc);
    for_each([&out](const sluice::StoredItemView& item) {
      out << item.key << ' ' << item.expire_at << ' ' << item.duration << ' ';
      for (unsigned char c : item.state) {
        char byte[3];
        std::snprintf(byte, sizeof(byte), "%02x", c);
        out << byte;
      }
      out << '\n';
    });
    return out ? sluice::Status::Ok() : sluice::Status::Error("'" + path_ + "': write failed");
  }

 private:
  std::string path_;
};

// The service's own policy: a user may try to log in 5 times a minute and 20 times an hour.
bool MayAttemptLogin(sluice::Limiter& limiter, const std::string& user) {
  sluice::Request per_minute{.name = "login_per_minute", .unique_key = user, .hits = 1,
                             .limit = 5, .duration = 60'000};
  sluice::Request per_hour{.name = "login_per_hour", .unique_key = user, .hits = 1,
                           .limit = 20, .duration = 3'600'000};
  std::vector<sluice::Answer> answers = limiter.Check(std::vector{per_minute, per_hour});
  for (const auto& a : answers) {
    if (!a.error.empty()) std::cerr << "limiter error: " << a.error << "\n";
  }
  return answers[0].under_limit() && answers[1].under_limit();
}

}  // namespace

int main(int argc, char** argv) {
  std::cout << "sluice " << SLUICE_VERSION << " embedded\n";
  sluice::Limiter limiter({.capacity = 10'000});
  LineFileLoader state(argc > 1 ? argv[1] : "");
  const bool persist = argc > 1;
  if (persist) {
    if (sluice::Status s = limiter.Load(state); !s.ok()) {
      std::cerr << "cannot load the limiter state: " << s.message() << "\n";
      return 1;
    }
  }
  int allowed = 0;
  for (int attempt = 1; attempt <= 8; ++attempt) {
    const bool ok = MayAttemptLogin(limiter, "alice");
    allowed += ok ? 1 : 0;
    std::cout << "alice attempt " << attempt << ": " << (ok ? "allowed" : "refused") << "\n";
  }
  const bool bob = MayAttemptLogin(limiter, "bob");
  std::cout << "bob attempt 1: " << (bob ? "allowed" : "refused") << "\n";
  if (persist) {
    if (sluice::Status s = limiter.Save(state); !s.ok()) {
      std::cerr << "cannot save the limiter state: " << s.message() << "\n";
      return 1;
    }
  }
  // First run: 5 of alice's 8 attempts pass the per-minute limit. A second run within the
  // minute with the same state file: the counts were kept, so none does.
  const char* expected_env = std::getenv("EXPECT_ALLOWED");
  const int expected = expected_env != nullptr ? std::atoi(expected_env) : 5;
  if (allowed != expected || !bob) {
    std::cerr << "unexpected: " << allowed << " of alice's attempts allowed, expected " << expected
              << "; bob " << (bob ? "allowed" : "refused") << "\n";
    return 1;
  }
  std::cout << "ok\n";
  return 0;
}
