#include "net/pending_answers.h"

#include <utility>

namespace sluice::net {

// What every copy of one Respond shares: when the last copy goes, an unanswered request's
// Deliver is released with it (a handler that drops its Respond does not pin the connection).
class PendingAnswers::Ticket {
 public:
  Ticket(std::shared_ptr<PendingAnswers> answers, uint64_t id)
      : answers_(std::move(answers)), id_(id) {}
  ~Ticket() { answers_->Finish(id_, nullptr); }
  Ticket(const Ticket&) = delete;
  Ticket& operator=(const Ticket&) = delete;

  void Answer(HttpResponse answer) { answers_->Finish(id_, &answer); }

 private:
  std::shared_ptr<PendingAnswers> answers_;
  uint64_t id_;
};

std::shared_ptr<PendingAnswers> PendingAnswers::Create() {
  return std::shared_ptr<PendingAnswers>(new PendingAnswers());
}

HttpRespond PendingAnswers::Wait(Deliver deliver) {
  uint64_t id = 0;
  {
    absl::MutexLock lock(&mu_);
    if (closed_) return [](HttpResponse) {};
    id = next_id_++;
    waiting_.emplace(id, std::move(deliver));
  }
  auto ticket = std::make_shared<Ticket>(shared_from_this(), id);
  return [ticket = std::move(ticket)](HttpResponse answer) { ticket->Answer(std::move(answer)); };
}

void PendingAnswers::Finish(uint64_t id, HttpResponse* answer) {
  absl::MutexLock lock(&mu_);
  // Declared after the lock, so the Deliver (maybe the last owner of its connection) is called
  // and destroyed before Close can run and the server go.
  auto waiting = waiting_.extract(id);
  if (waiting.empty()) return;
  if (answer != nullptr) waiting.mapped()(std::move(*answer));
}

void PendingAnswers::Close() {
  absl::MutexLock lock(&mu_);
  closed_ = true;
  waiting_.clear();
}

size_t PendingAnswers::waiting() const {
  absl::MutexLock lock(&mu_);
  return waiting_.size();
}

}  // namespace sluice::net
