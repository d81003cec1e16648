#include "api/raw_message.h"

#include <gtest/gtest.h>

#include "gubernator.pb.h"

namespace sluice::api {
namespace {

TEST(RawMessageTest, RoundTripsAMessage) {
  pb::gubernator::GetRateLimitsReq req;
  req.add_requests()->set_name("n");
  grpc::ByteBuffer bytes = SerializeRaw(req);
  pb::gubernator::GetRateLimitsReq back;
  ASSERT_TRUE(ParseRawRequest(bytes, &back).ok());
  EXPECT_EQ(back.requests(0).name(), "n");
}

// What gRPC core hands a raw method for a frame it could not read: no buffer at all.
TEST(RawMessageTest, NoMessageIsInternal) {
  pb::gubernator::GetRateLimitsReq req;
  absl::Status status = ParseRawRequest(grpc::ByteBuffer(), &req);
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal);
  EXPECT_EQ(status.message().find("grpc: no readable request message"), 0u) << status;
}

TEST(RawMessageTest, BytesThatAreNotTheMessageAreInternalNamingIt) {
  grpc::Slice slice(std::string("\xff\xff\xff\xff", 4));
  grpc::ByteBuffer bytes(&slice, 1);
  pb::gubernator::GetRateLimitsReq req;
  absl::Status status = ParseRawRequest(bytes, &req);
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal);
  EXPECT_EQ(status.message(),
            "grpc: error unmarshalling request: not a valid pb.gubernator.GetRateLimitsReq");
}

}  // namespace
}  // namespace sluice::api
