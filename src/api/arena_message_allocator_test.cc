#include "api/arena_message_allocator.h"

#include <gtest/gtest.h>

#include "gubernator.pb.h"

namespace sluice::api {
namespace {

using Allocator =
    ArenaMessageAllocator<pb::gubernator::GetRateLimitsReq, pb::gubernator::GetRateLimitsResp>;

TEST(ArenaMessageAllocatorTest, RequestAndResponseShareOneArena) {
  Allocator allocator;
  auto* holder = allocator.AllocateMessages();
  ASSERT_NE(holder->request(), nullptr);
  ASSERT_NE(holder->response(), nullptr);
  EXPECT_NE(holder->request()->GetArena(), nullptr);
  EXPECT_EQ(holder->request()->GetArena(), holder->response()->GetArena());
  holder->Release();
}

TEST(ArenaMessageAllocatorTest, BatchesBeyondTheFirstBlockGrowTheArenaAndAreFreedOnRelease) {
  Allocator allocator;
  auto* holder = allocator.AllocateMessages();
  for (int i = 0; i < 1000; ++i) {
    auto* item = holder->request()->add_requests();
    item->set_name("a name longer than the small-string buffer");
    item->set_unique_key("key:" + std::to_string(i));
    (*holder->response()->add_responses()->mutable_metadata())["owner"] = "127.0.0.1:1051";
  }
  ASSERT_EQ(holder->request()->requests_size(), 1000);
  EXPECT_EQ(holder->request()->requests(999).unique_key(), "key:999");
  EXPECT_GT(holder->request()->GetArena()->SpaceUsed(), 2048u);
  holder->Release();  // leak-checked under ASan
}

TEST(ArenaMessageAllocatorTest, EachCallGetsItsOwnArena) {
  Allocator allocator;
  auto* a = allocator.AllocateMessages();
  auto* b = allocator.AllocateMessages();
  EXPECT_NE(a->request()->GetArena(), b->request()->GetArena());
  a->Release();
  b->Release();
}

}  // namespace
}  // namespace sluice::api
