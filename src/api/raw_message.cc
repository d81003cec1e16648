#include "api/raw_message.h"

#include <grpcpp/support/proto_buffer_reader.h>
#include <grpcpp/impl/codegen/proto_utils.h>
#include <grpcpp/support/proto_buffer_writer.h>

#include <string>

#include "absl/strings/str_cat.h"

namespace sluice::api {

absl::Status ParseRawRequest(const grpc::ByteBuffer& bytes, google::protobuf::Message* out) {
  if (!bytes.Valid()) {
    return absl::InternalError(
        "grpc: no readable request message (a frame flag other than 0 or 1, or a compressed "
        "frame without a known grpc-encoding)");
  }
  // The reader only reads; it takes a non-const buffer because the C API it wraps does.
  grpc::ProtoBufferReader reader(const_cast<grpc::ByteBuffer*>(&bytes));
  if (!reader.status().ok() || !out->ParseFromZeroCopyStream(&reader)) {
    return absl::InternalError(absl::StrCat("grpc: error unmarshalling request: not a valid ",
                                            out->GetDescriptor()->full_name()));
  }
  return absl::OkStatus();
}

grpc::ByteBuffer SerializeRaw(const google::protobuf::Message& message) {
  grpc::ByteBuffer out;
  bool own_buffer = false;
  (void)grpc::GenericSerialize<grpc::ProtoBufferWriter, google::protobuf::Message>(
      message, &out, &own_buffer);
  return out;
}

}  // namespace sluice::api
