#include "cluster/fnv.h"

#include "gtest/gtest.h"

namespace sluice::cluster {
namespace {

// Reference vectors from the FNV authors' test suite (isthe.com/chongo/tech/comp/fnv).
static_assert(Fnv1Hash64("") == 0xcbf29ce484222325ULL);
static_assert(Fnv1aHash64("") == 0xcbf29ce484222325ULL);
static_assert(Fnv1Hash64("a") == 0xaf63bd4c8601b7beULL);
static_assert(Fnv1aHash64("a") == 0xaf63dc4c8601ec8cULL);
static_assert(Fnv1Hash64("foobar") == 0x340d8765a4dda9c2ULL);
static_assert(Fnv1aHash64("foobar") == 0x85944171f73967e8ULL);

TEST(FnvTest, MatchesReferenceVectorsAtRunTime) {
  std::string_view foobar = "foobar";
  EXPECT_EQ(Fnv1Hash64(foobar), 0x340d8765a4dda9c2ULL);
  EXPECT_EQ(Fnv1aHash64(foobar), 0x85944171f73967e8ULL);
}

TEST(FnvTest, HashesBytesAboveSevenBitsAsUnsigned) {
  // One byte 0xff: basis * prime ^ 0xff (FNV-1) and (basis ^ 0xff) * prime (FNV-1a).
  EXPECT_EQ(Fnv1Hash64("\xff"), (kFnvOffsetBasis64 * kFnvPrime64) ^ 0xffULL);
  EXPECT_EQ(Fnv1aHash64("\xff"), (kFnvOffsetBasis64 ^ 0xffULL) * kFnvPrime64);
}

TEST(FnvTest, Hash64DispatchesOnFunction) {
  EXPECT_EQ(Hash64(HashFunction::kFnv1, "key"), Fnv1Hash64("key"));
  EXPECT_EQ(Hash64(HashFunction::kFnv1a, "key"), Fnv1aHash64("key"));
}

TEST(FnvTest, ParsesAndNamesFunctions) {
  EXPECT_EQ(*ParseHashFunction("fnv1"), HashFunction::kFnv1);
  EXPECT_EQ(*ParseHashFunction("fnv1a"), HashFunction::kFnv1a);
  EXPECT_EQ(HashFunctionName(HashFunction::kFnv1), "fnv1");
  EXPECT_EQ(HashFunctionName(HashFunction::kFnv1a), "fnv1a");
  absl::StatusOr<HashFunction> bad = ParseHashFunction("crc32");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("crc32"), std::string_view::npos);
}

}  // namespace
}  // namespace sluice::cluster
