// sluice::Status: the outcome of a library call that can fail (loading a snapshot, opening a
// store). Over the limit is an answer, never a Status error.
//
// A plain value type without dependencies: the public headers carry no Abseil, gRPC or
// protobuf types, so a program that embeds Sluice needs none of them in its own signatures.
#pragma once

#include <string>
#include <utility>

namespace sluice {

class Status {
 public:
  Status() = default;  // OK
  static Status Ok() { return Status(); }
  static Status Error(std::string message) { return Status(std::move(message)); }

  bool ok() const { return message_.empty(); }
  // Empty when ok(); otherwise says what failed and names the file, key or setting at fault.
  const std::string& message() const { return message_; }

 private:
  explicit Status(std::string message)
      : message_(message.empty() ? std::string("unknown error") : std::move(message)) {}
  std::string message_;
};

}  // namespace sluice
