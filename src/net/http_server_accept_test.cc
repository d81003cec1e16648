// HttpServer's accept loop when the process has no file descriptor left (issue 18 #6).
//
// This test has a binary of its own because of UBSan's vptr check. On a type-cache miss the
// check reads the object's vtable only after testing that the memory is readable, and
// libsanitizer (GCC 12) tests that by writing the memory into a pipe() of its own
// (IsAccessibleMemoryRange). While the test holds every descriptor, pipe() fails with EMFILE, so
// the runtime reports a valid object as having an "invalid vptr" ("<memory cannot be printed>")
// and aborts. It is the runtime, not the server: the same happens to a plain virtual call on a
// fresh `new Derived` once descriptors are exhausted, and not when two are left free. So in
// sanitizer builds this binary compiles the server and the test with -fno-sanitize=vptr and
// keeps ASan and every other UBSan check (src/net/CMakeLists.txt).
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <ctime>
#include <string>
#include <thread>
#include <vector>

#include "net/http_server.h"
#include "testing/raw_http_connection.h"

namespace sluice::net {
namespace {

using testing::RawConnection;

double ProcessCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// Out of file descriptors, the accept loop waits between attempts (no spinning core), counts
// each failure, and accepts the waiting connection once descriptors are free again.
TEST(HttpServerAcceptTest, BacksOffWhenOutOfDescriptorsAndRecovers) {
  std::atomic<int> reported{0};
  HttpServer server(HttpServerOptions{.address = "127.0.0.1:0", .threads = 2,
                                      .on_accept_failure = [&reported](const std::string&) {
                                        reported.fetch_add(1);
                                      }});
  server.Route("POST", "/echo", [](const HttpRequest& req, HttpRespond respond) {
    respond(HttpResponse{.body = req.body});
  });
  ASSERT_TRUE(server.Start().ok());

  RawConnection conn;  // its socket exists before the descriptors run out
  rlimit original{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &original), 0);
  const int probe = dup(0);
  rlimit low = original;
  low.rlim_cur = static_cast<rlim_t>(probe) + 16;
  close(probe);
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &low), 0);
  std::vector<int> hogs;
  for (int fd = dup(0); fd >= 0; fd = dup(0)) hogs.push_back(fd);
  ASSERT_EQ(errno, EMFILE);

  ASSERT_TRUE(conn.Connect(server.port()));  // the kernel completes it; accept cannot
  conn.SendEcho("recovered");
  const double cpu_before = ProcessCpuSeconds();
  std::this_thread::sleep_for(std::chrono::seconds(1));
  const double cpu_used = ProcessCpuSeconds() - cpu_before;
  const uint64_t failures = server.accept_failures();

  for (int fd : hogs) close(fd);
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &original), 0);

  EXPECT_LT(cpu_used, 0.3) << "the accept loop spins";
  EXPECT_GE(failures, 1u);
  EXPECT_LT(failures, 50u);  // 5 ms doubling: about 8 attempts in the second
  EXPECT_EQ(static_cast<uint64_t>(reported.load()), server.accept_failures());
  std::string answer = conn.ReadResponse("recovered");  // the next retry is within 1 s
  EXPECT_NE(answer.find("200 OK"), std::string::npos) << answer;
}

}  // namespace
}  // namespace sluice::net
