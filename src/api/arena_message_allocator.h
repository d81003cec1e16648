// ArenaMessageAllocator: a gRPC callback-API message allocator that puts each unary call's request
// and response on one protobuf Arena whose first block lives inside the per-call holder. Parsing
// a request and filling a response then cost one allocation (the holder) and one free for the
// whole call, instead of one per repeated item, sub-message and string; the arena grows in larger
// blocks only for big batches.
//
// CallArena is that arena alone, for a raw method that parses its own request (EnvoyService).
//
// Register with the generated SetMessageAllocatorFor_<Method>(&allocator); the allocator must
// outlive the server. Handlers must not keep pointers into the messages after the call finishes.
//
// Thread safety: AllocateMessages may be called concurrently (it keeps no state).
#pragma once

#include <cstddef>

#include <google/protobuf/arena.h>
#include <grpcpp/support/message_allocator.h>

namespace sluice::api {

// A protobuf Arena whose first block lives inside this object, so a call's messages cost no
// allocation beyond the object itself. Not movable: the arena points into it.
class CallArena {
 public:
  CallArena() : arena_(Options(initial_block_)) {}
  CallArena(const CallArena&) = delete;
  CallArena& operator=(const CallArena&) = delete;

  google::protobuf::Arena* get() { return &arena_; }

 private:
  // A one-item call (request, response, their strings) fits in the first block.
  static constexpr size_t kInitialBlockBytes = 2048;
  // Later blocks for big batches: fewer, larger allocations than the Arena's 256-byte default.
  static constexpr size_t kStartBlockBytes = 8192;

  static google::protobuf::ArenaOptions Options(char* block) {
    google::protobuf::ArenaOptions options;
    options.initial_block = block;
    options.initial_block_size = kInitialBlockBytes;
    options.start_block_size = kStartBlockBytes;
    return options;
  }

  // Declared before the arena: the arena's first block must exist before the arena does.
  alignas(alignof(std::max_align_t)) char initial_block_[kInitialBlockBytes];
  google::protobuf::Arena arena_;
};

template <typename Request, typename Response>
class ArenaMessageAllocator final : public grpc::MessageAllocator<Request, Response> {
 public:
  grpc::MessageHolder<Request, Response>* AllocateMessages() override { return new Holder(); }

 private:
  class Holder final : public grpc::MessageHolder<Request, Response> {
   public:
    Holder() {
      this->set_request(google::protobuf::Arena::CreateMessage<Request>(arena_.get()));
      this->set_response(google::protobuf::Arena::CreateMessage<Response>(arena_.get()));
    }
    void Release() override { delete this; }

   private:
    CallArena arena_;
  };
};

}  // namespace sluice::api
