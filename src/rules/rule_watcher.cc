#include "rules/rule_watcher.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "rules/rule_loader.h"
#include "spdlog/spdlog.h"

namespace sluice::rules {
namespace {

namespace fs = std::filesystem;

constexpr uint32_t kWatchMask = IN_MODIFY | IN_CLOSE_WRITE | IN_ATTRIB | IN_CREATE | IN_DELETE |
                                IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF;

// A storm of events may postpone a reload by at most this many quiet periods.
constexpr int kMaxDebounceRounds = 20;

// The absolute path without a trailing slash, and its parent directory.
fs::path Absolute(const std::string& path) {
  std::error_code ec;
  fs::path p = fs::absolute(path, ec).lexically_normal();
  if (ec) p = fs::path(path).lexically_normal();
  if (!p.has_filename() && p.has_parent_path()) p = p.parent_path();
  return p;
}

// The paths worth watching right now: the rules path, its directory, and the real directory of
// every rule file (behind symlinks).
std::vector<std::string> WatchTargets(const std::string& rules_path) {
  const fs::path path = Absolute(rules_path);
  std::vector<std::string> targets = {path.string()};
  if (path.has_parent_path()) targets.push_back(path.parent_path().string());
  absl::StatusOr<std::vector<std::string>> files = ListRuleFiles(rules_path);
  if (files.ok()) {
    for (const std::string& file : *files) {
      std::error_code ec;
      const fs::path real = fs::canonical(file, ec);
      if (!ec && real.has_parent_path()) targets.push_back(real.parent_path().string());
    }
  }
  std::sort(targets.begin(), targets.end());
  targets.erase(std::unique(targets.begin(), targets.end()), targets.end());
  return targets;
}

// True if poll() reported the wake eventfd as signalled (Stop() was called) or broken.
bool Woken(short revents) { return (revents & (POLLIN | POLLERR | POLLHUP | POLLNVAL)) != 0; }

}  // namespace

absl::StatusOr<std::unique_ptr<RuleWatcher>> RuleWatcher::Start(RuleStore* store, Options options) {
  const int inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (inotify_fd < 0) {
    return absl::UnavailableError(absl::StrCat("inotify_init1: ", std::strerror(errno)));
  }
  const int wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd < 0) {
    const int saved = errno;
    close(inotify_fd);
    return absl::UnavailableError(absl::StrCat("eventfd: ", std::strerror(saved)));
  }
  std::unique_ptr<RuleWatcher> watcher(new RuleWatcher(store, options, inotify_fd, wake_fd));
  if (watcher->Rearm() == 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot watch rules path ", store->path(), " or its directory"));
  }
  watcher->last_fingerprint_ = watcher->Fingerprint();
  watcher->thread_ = std::thread([w = watcher.get()] { w->Run(); });
  return watcher;
}

RuleWatcher::RuleWatcher(RuleStore* store, Options options, int inotify_fd, int wake_fd)
    : store_(store), options_(options), inotify_fd_(inotify_fd), wake_fd_(wake_fd) {}

RuleWatcher::~RuleWatcher() {
  Stop();
  close(inotify_fd_);
  close(wake_fd_);
}

void RuleWatcher::Stop() {
  absl::MutexLock lock(&stop_mu_);
  if (stopped_) return;
  stopped_ = true;
  const uint64_t one = 1;
  if (write(wake_fd_, &one, sizeof(one)) != static_cast<ssize_t>(sizeof(one))) {
    spdlog::error("rules: cannot wake the watcher thread: {}", std::strerror(errno));
  }
  if (thread_.joinable()) thread_.join();
}

void RuleWatcher::Run() {
  while (true) {
    pollfd fds[2] = {{inotify_fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    const int ready = poll(fds, 2, -1);
    if (ready < 0) {
      if (errno == EINTR) continue;
      spdlog::error("rules: watcher poll failed, hot reload stopped: {}", std::strerror(errno));
      return;
    }
    if (Woken(fds[1].revents)) return;
    Drain();
    if (!Debounce()) return;
    if (Rearm() == 0) {
      spdlog::warn("rules: nothing left to watch for {}; hot reload resumes only via Reload()",
                   store_->path());
    }
    std::string fingerprint = Fingerprint();
    if (fingerprint == last_fingerprint_) continue;
    last_fingerprint_ = std::move(fingerprint);
    triggered_.fetch_add(1, std::memory_order_relaxed);
    spdlog::info("rules: change detected under {}, reloading", store_->path());
    store_->Reload().IgnoreError();  // logged and counted by the store
  }
}

bool RuleWatcher::Debounce() {
  const int timeout_ms = static_cast<int>(options_.debounce.count());
  for (int round = 0; round < kMaxDebounceRounds; ++round) {
    pollfd fds[2] = {{inotify_fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    const int ready = poll(fds, 2, timeout_ms);
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) return true;  // reload now rather than spin
    if (Woken(fds[1].revents)) return false;
    if (ready == 0) return true;  // quiet
    Drain();
  }
  return true;
}

void RuleWatcher::Drain() {
  alignas(inotify_event) char buffer[16 * 1024];
  while (read(inotify_fd_, buffer, sizeof(buffer)) > 0) {
  }
}

size_t RuleWatcher::Rearm() {
  std::vector<int> armed;
  for (const std::string& target : WatchTargets(store_->path())) {
    const int wd = inotify_add_watch(inotify_fd_, target.c_str(), kWatchMask);
    if (wd >= 0) {
      armed.push_back(wd);
    } else if (errno != ENOENT && errno != ENOTDIR) {
      spdlog::warn("rules: cannot watch {}: {}", target, std::strerror(errno));
    }
  }
  std::sort(armed.begin(), armed.end());
  armed.erase(std::unique(armed.begin(), armed.end()), armed.end());
  for (int wd : watches_) {
    // Stale descriptors (their inode is gone) fail with EINVAL, which is fine.
    if (!std::binary_search(armed.begin(), armed.end(), wd)) inotify_rm_watch(inotify_fd_, wd);
  }
  watches_ = std::move(armed);
  return watches_.size();
}

std::string RuleWatcher::Fingerprint() const {
  absl::StatusOr<std::vector<std::string>> files = ListRuleFiles(store_->path());
  if (!files.ok()) return absl::StrCat("error: ", files.status().message());
  std::string fingerprint;
  for (const std::string& file : *files) {
    struct stat st = {};
    if (stat(file.c_str(), &st) != 0) {
      absl::StrAppend(&fingerprint, file, " missing\n");
      continue;
    }
    absl::StrAppend(&fingerprint, file, " ", st.st_dev, ":", st.st_ino, " ", st.st_size, " ",
                    st.st_mtim.tv_sec, ".", st.st_mtim.tv_nsec, " ", st.st_ctim.tv_sec, ".",
                    st.st_ctim.tv_nsec, "\n");
  }
  return fingerprint;
}

}  // namespace sluice::rules
