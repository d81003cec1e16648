#include "mesh/protobuf_log.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "mesh.pb.h"
#include "spdlog/sinks/ostream_sink.h"
#include "spdlog/spdlog.h"

namespace sluice::mesh {
namespace {

TEST(LogThrottleTest, AdmitsAFewLinesPerPeriodAndCountsTheRest) {
  LogThrottle throttle;
  uint64_t withheld = 99;
  int64_t now = 1'000;
  for (int i = 0; i < LogThrottle::kLines; ++i) {
    ASSERT_TRUE(throttle.Admit(now, withheld));
    EXPECT_EQ(withheld, 0u);
  }
  for (int i = 0; i < 1000; ++i) EXPECT_FALSE(throttle.Admit(now + i, withheld));
  now += LogThrottle::kPeriodMs;
  ASSERT_TRUE(throttle.Admit(now, withheld));
  EXPECT_EQ(withheld, 1000u) << "the first line of the next period says how many were withheld";
  ASSERT_TRUE(throttle.Admit(now, withheld));
  EXPECT_EQ(withheld, 0u);
}

// A packet whose node id is not UTF-8 makes libprotobuf log an error for every parse: 10,000
// such datagrams used to print 10,000 lines on stderr.
TEST(ProtobufLogThrottleTest, MalformedStringsDoNotFloodTheLog) {
  std::ostringstream captured;
  auto logger = std::make_shared<spdlog::logger>(
      "capture", std::make_shared<spdlog::sinks::ostream_sink_mt>(captured));
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(logger);
  InstallProtobufLogThrottle();

  wire::Packet packet;
  packet.mutable_sender()->set_node_id("ok");
  std::string bytes = packet.SerializeAsString();
  bytes[bytes.size() - 1] = static_cast<char>(0xff);  // "o\xff": not UTF-8
  for (int i = 0; i < 10'000; ++i) {
    wire::Packet parsed;
    EXPECT_FALSE(parsed.ParseFromString(bytes));
  }
  spdlog::set_default_logger(previous);

  const std::string text = captured.str();
  size_t lines = 0;
  for (size_t at = text.find("libprotobuf"); at != std::string::npos;
       at = text.find("libprotobuf", at + 1)) {
    ++lines;
  }
  EXPECT_GE(lines, 1u) << "libprotobuf's lines go through spdlog";
  EXPECT_LE(lines, static_cast<size_t>(LogThrottle::kLines)) << text;
  EXPECT_NE(text.find("invalid UTF-8"), std::string::npos) << text;
}

}  // namespace
}  // namespace sluice::mesh
