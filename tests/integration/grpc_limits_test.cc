// gRPC server limits (issue 18 #8): the node advertises --grpc-max-concurrent-streams in its
// HTTP/2 SETTINGS, a client opening more streams than that on one connection has the rest wait
// (h2load queues them; every call still succeeds), and the node stays healthy.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <string>

#include "testing/http_client.h"
#include "testing/run_command.h"
#include "testing/sluice_process.h"

namespace sluice {
namespace {

bool OnPath(const std::string& program) {
  return std::system(("command -v " + program + " >/dev/null 2>&1").c_str()) == 0;
}

TEST(GrpcLimitsTest, AdvertisesMaxConcurrentStreamsAndQueuesTheRest) {
  if (!OnPath("nghttp") || !OnPath("h2load")) GTEST_SKIP() << "needs nghttp2-client";
  testing::SluiceProcess node(testing::SluiceProcess::Options{
      .extra_args = {"--grpc-max-concurrent-streams", "8"}});
  ASSERT_TRUE(node.ready());
  const std::string url = "http://" + node.grpc_address() + "/pb.gubernator.V1/LiveCheck";

  // nghttp -v prints the server's SETTINGS frame.
  auto settings = testing::RunCommand({"nghttp", "-nv", "-t", "10", url});
  EXPECT_NE(settings.out.find("SETTINGS_MAX_CONCURRENT_STREAMS(0x03):8]"), std::string::npos)
      << settings.out << settings.err;

  // 200 streams at once on one connection: 8 run, the rest wait for a free stream.
  char body_path[] = "/tmp/sluice-livecheck-XXXXXX";
  int fd = mkstemp(body_path);
  const char empty_frame[5] = {0, 0, 0, 0, 0};  // an empty LiveCheckReq
  ASSERT_EQ(write(fd, empty_frame, 5), 5);
  close(fd);
  auto load = testing::RunCommand({"h2load", "-n", "4000", "-c", "1", "-m", "200", "-d",
                                   body_path, "-H", "content-type: application/grpc", "-H",
                                   "te: trailers", url},
                                  {}, 120'000);
  unlink(body_path);
  EXPECT_NE(load.out.find("4000 succeeded, 0 failed, 0 errored"), std::string::npos) << load.out;

  auto live = testing::HttpGet(node.http_url() + "/v1/LiveCheck");
  EXPECT_EQ(live.status, 200) << live.body;
}

}  // namespace
}  // namespace sluice
