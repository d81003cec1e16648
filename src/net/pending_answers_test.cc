// PendingAnswers: an answer reaches its Deliver once, and a Respond kept, called or dropped after
// Close touches nothing.
#include "net/pending_answers.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace sluice::net {
namespace {

// A Deliver that records the bodies it got, and whose release the test can see (it owns a
// token, as a real Deliver owns its connection).
struct Recorder {
  std::vector<std::string> bodies;
  std::shared_ptr<int> token = std::make_shared<int>(0);
  PendingAnswers::Deliver Deliver() {
    return [this, held = token](HttpResponse resp) { bodies.push_back(resp.body); };
  }
  bool released() const { return token.use_count() == 1; }
};

TEST(PendingAnswersTest, AnAnswerIsDeliveredOnceAndReleasesItsDeliver) {
  auto answers = PendingAnswers::Create();
  Recorder recorder;
  HttpRespond respond = answers->Wait(recorder.Deliver());
  EXPECT_EQ(answers->waiting(), 1u);
  respond(HttpResponse{.body = "first"});
  respond(HttpResponse{.body = "second"});
  EXPECT_EQ(recorder.bodies, std::vector<std::string>{"first"});
  EXPECT_TRUE(recorder.released());
  EXPECT_EQ(answers->waiting(), 0u);
}

TEST(PendingAnswersTest, DroppingEveryCopyOfARespondReleasesItsDeliverUnanswered) {
  auto answers = PendingAnswers::Create();
  Recorder recorder;
  HttpRespond respond = answers->Wait(recorder.Deliver());
  HttpRespond copy = respond;
  respond = nullptr;
  EXPECT_FALSE(recorder.released());  // a copy still holds the ticket
  copy = nullptr;
  EXPECT_TRUE(recorder.released());
  EXPECT_TRUE(recorder.bodies.empty());
  EXPECT_EQ(answers->waiting(), 0u);
}

TEST(PendingAnswersTest, CloseReleasesEveryWaitingDeliverAndLaterAnswersAreDropped) {
  auto answers = PendingAnswers::Create();
  Recorder first, second;
  HttpRespond respond_first = answers->Wait(first.Deliver());
  HttpRespond respond_second = answers->Wait(second.Deliver());
  answers->Close();
  EXPECT_TRUE(first.released());
  EXPECT_TRUE(second.released());
  respond_first(HttpResponse{.body = "late"});
  EXPECT_TRUE(first.bodies.empty());

  Recorder after;
  HttpRespond respond_after = answers->Wait(after.Deliver());
  EXPECT_TRUE(after.released());  // not kept: nobody would release it
  respond_after(HttpResponse{.body = "late"});
  EXPECT_TRUE(after.bodies.empty());
}

}  // namespace
}  // namespace sluice::net
