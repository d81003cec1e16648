#include "api/gubernator_json.h"

#include <rapidjson/reader.h>

#include <charconv>
#include <cstdint>
#include <cstring>
#include <utility>

#include "api/json.h"
#include "common/json_string.h"
#include "common/utf8.h"

namespace sluice::api {
namespace {

using pb::gubernator::GetRateLimitsReq;
using pb::gubernator::GetRateLimitsResp;
using pb::gubernator::RateLimitReq;
using pb::gubernator::RateLimitResp;

// ---------------------------------------------------------------------------------------------
// Parsing

// `text` as int64 when it is written -?(0|[1-9][0-9]*) and in range. Protobuf accepts more
// ("+7", "007", 1e3, 1.0); those are left to it.
bool ParsePlainInt64(std::string_view text, int64_t* value) {
  std::string_view digits = text.substr(text.starts_with('-') ? 1 : 0);
  if (digits.size() > 1 && digits[0] == '0') return false;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), *value);
  return error == std::errc() && end == text.data() + text.size();
}

// The number of the value of `type` named exactly `name`, if any. Protobuf would also take
// numbers in strings and, ignoring unknown names, silently keep the default; those are left to it.
bool FindEnumNumber(const google::protobuf::EnumDescriptor& type, std::string_view name,
                    int* number) {
  for (int i = 0; i < type.value_count(); ++i) {
    if (type.value(i)->name() == name) {
      *number = type.value(i)->number();
      return true;
    }
  }
  return false;
}

// What the value after a key fills in.
enum class Slot : uint8_t {
  // RateLimitReq fields; also bit positions in RequestHandler::seen_.
  kName,
  kUniqueKey,
  kHits,
  kLimit,
  kDuration,
  kAlgorithm,
  kBehavior,
  kBurst,
  kMetadata,
  kCreatedAt,
  // GetRateLimitsReq.requests.
  kRequests,
  // One RateLimitReq.metadata entry.
  kMetadataValue,
  // A field protobuf ignores.
  kUnknown,
};

// Protobuf accepts each field under its proto name and its lowerCamel JSON name.
Slot RequestFieldSlot(std::string_view key) {
  static constexpr std::pair<std::string_view, Slot> kKeys[] = {
      {"name", Slot::kName},
      {"unique_key", Slot::kUniqueKey},
      {"uniqueKey", Slot::kUniqueKey},
      {"hits", Slot::kHits},
      {"limit", Slot::kLimit},
      {"duration", Slot::kDuration},
      {"algorithm", Slot::kAlgorithm},
      {"behavior", Slot::kBehavior},
      {"burst", Slot::kBurst},
      {"metadata", Slot::kMetadata},
      {"created_at", Slot::kCreatedAt},
      {"createdAt", Slot::kCreatedAt},
  };
  for (const auto& [name, slot] : kKeys) {
    if (key == name) return slot;
  }
  return Slot::kUnknown;
}

// A length-bounded rapidjson input stream that counts the backslashes it hands out, so the
// handler can tell a key written with escapes (which protobuf does not always match as the
// decoded name) from a plain one. rapidjson's StreamTraits copyOptimization must stay off for it:
// the reader would then count in a local copy the handler cannot see.
class CountingStream {
 public:
  using Ch = char;

  explicit CountingStream(std::string_view json)
      : begin_(json.data()), next_(json.data()), end_(json.data() + json.size()) {}

  Ch Peek() const { return next_ == end_ ? '\0' : *next_; }
  Ch Take() {
    if (next_ == end_) return '\0';
    char c = *next_++;
    backslashes_ += c == '\\' ? 1 : 0;
    return c;
  }
  size_t Tell() const { return static_cast<size_t>(next_ - begin_); }
  size_t backslashes() const { return backslashes_; }

  // The output half of rapidjson's Stream concept, used only by in-situ parsing.
  Ch* PutBegin() { return nullptr; }
  void Put(Ch) {}
  void Flush() {}
  size_t PutEnd(Ch*) { return 0; }

 private:
  const char* begin_;
  const char* next_;
  const char* end_;
  size_t backslashes_ = 0;
};

// rapidjson SAX handler filling a GetRateLimitsReq. Every callback returns false — which stops
// the parse and sends the body to protobuf — on anything outside the shapes it knows protobuf
// maps the same way.
class RequestHandler {
 public:
  RequestHandler(const CountingStream& stream, GetRateLimitsReq* req)
      : stream_(stream), req_(req) {}

  bool done() const { return where_ == Where::kDone; }

  bool Null() {
    if (Ignoring()) return true;
    // A null field keeps its default (and created_at stays unset).
    return where_ == Where::kRoot || where_ == Where::kRequest;
  }
  bool Bool(bool) { return Ignoring(); }
  // kParseNumbersAsStringsFlag routes every number to RawNumber.
  bool Int(int) { return false; }
  bool Uint(unsigned) { return false; }
  bool Int64(int64_t) { return false; }
  bool Uint64(uint64_t) { return false; }
  bool Double(double) { return false; }

  bool RawNumber(const char* text, rapidjson::SizeType length, bool) {
    int64_t value;
    if (!ParsePlainInt64(std::string_view(text, length), &value)) return false;
    if (Ignoring()) return true;
    if (where_ != Where::kRequest) return false;
    switch (slot_) {
      case Slot::kAlgorithm:
      case Slot::kBehavior:
        // Enums are open: any int32 is kept as is.
        if (value < INT32_MIN || value > INT32_MAX) return false;
        return SetEnum(static_cast<int>(value));
      default:
        return SetInt64(value);
    }
  }

  bool String(const char* chars, rapidjson::SizeType length, bool) {
    std::string_view text(chars, length);
    backslashes_seen_ = stream_.backslashes();
    // rapidjson decodes an escaped lone surrogate into invalid UTF-8; protobuf rejects it.
    if (!common::IsValidUtf8(text)) return false;
    if (Ignoring()) return true;
    if (where_ == Where::kMetadata) {
      return request_->mutable_metadata()->try_emplace(std::move(metadata_key_), text).second;
    }
    if (where_ != Where::kRequest) return false;
    switch (slot_) {
      case Slot::kName:
        request_->mutable_name()->assign(text);
        return true;
      case Slot::kUniqueKey:
        request_->mutable_unique_key()->assign(text);
        return true;
      case Slot::kAlgorithm:
      case Slot::kBehavior: {
        int number;
        const auto& type = slot_ == Slot::kAlgorithm ? *pb::gubernator::Algorithm_descriptor()
                                                     : *pb::gubernator::Behavior_descriptor();
        return FindEnumNumber(type, text, &number) && SetEnum(number);
      }
      case Slot::kMetadata:
        return false;
      default: {
        int64_t value;
        return ParsePlainInt64(text, &value) && SetInt64(value);
      }
    }
  }

  bool Key(const char* chars, rapidjson::SizeType length, bool) {
    std::string_view key(chars, length);
    bool escaped = stream_.backslashes() != backslashes_seen_;
    backslashes_seen_ = stream_.backslashes();
    if (!common::IsValidUtf8(key)) return false;
    // Protobuf reads a map key as any string, but not so a field name: written with escapes it
    // may miss its field ("uniq\u0065Key" is ignored while "n\u0061me" is not), and empty it
    // means "no name" (an error, or a value merged into the enclosing message).
    bool map_key = skip_depth_ == 0 && where_ == Where::kMetadata;
    if (!map_key && (escaped || key.empty())) return false;
    if (skip_depth_ > 0) return true;
    switch (where_) {
      case Where::kRoot:
        slot_ = key == "requests" ? Slot::kRequests : Slot::kUnknown;
        return slot_ == Slot::kUnknown || !std::exchange(requests_seen_, true);
      case Where::kRequest:
        slot_ = RequestFieldSlot(key);
        return slot_ == Slot::kUnknown || MarkSeen(slot_);
      case Where::kMetadata:
        slot_ = Slot::kMetadataValue;
        metadata_key_.assign(key);
        return true;
      default:
        return false;
    }
  }

  bool StartObject() {
    if (Ignoring()) return Descend();
    switch (where_) {
      case Where::kStart:
        where_ = Where::kRoot;
        return true;
      case Where::kRequests:
        request_ = req_->add_requests();
        seen_ = 0;
        where_ = Where::kRequest;
        return true;
      case Where::kRequest:
        if (slot_ != Slot::kMetadata) return false;
        where_ = Where::kMetadata;
        return true;
      default:
        return false;
    }
  }

  bool EndObject(rapidjson::SizeType) {
    if (skip_depth_ > 0) return Ascend();
    switch (where_) {
      case Where::kRoot:
        where_ = Where::kDone;
        return true;
      case Where::kRequest:
        where_ = Where::kRequests;
        slot_ = Slot::kRequests;
        return true;
      case Where::kMetadata:
        where_ = Where::kRequest;
        slot_ = Slot::kMetadata;
        return true;
      default:
        return false;
    }
  }

  bool StartArray() {
    if (Ignoring()) return Descend();
    if (where_ != Where::kRoot || slot_ != Slot::kRequests) return false;
    where_ = Where::kRequests;
    return true;
  }

  bool EndArray(rapidjson::SizeType) {
    if (skip_depth_ > 0) return Ascend();
    if (where_ != Where::kRequests) return false;
    where_ = Where::kRoot;
    slot_ = Slot::kRequests;
    return true;
  }

 private:
  enum class Where : uint8_t { kStart, kRoot, kRequests, kRequest, kMetadata, kDone };

  // Far below protobuf's own nesting limit, so anything deeper is left to it.
  static constexpr int kMaxSkipDepth = 32;

  // Inside, or at, the value of an unknown field, which is checked but not kept.
  bool Ignoring() const {
    return skip_depth_ > 0 ||
           ((where_ == Where::kRoot || where_ == Where::kRequest) && slot_ == Slot::kUnknown);
  }

  // Enter / leave an object or array in the value of an unknown field.
  bool Descend() { return ++skip_depth_ <= kMaxSkipDepth; }
  bool Ascend() {
    --skip_depth_;
    return true;
  }

  // False on a repeated field: protobuf's merge rules for those are left to it.
  bool MarkSeen(Slot slot) {
    uint32_t bit = 1u << static_cast<int>(slot);
    if (seen_ & bit) return false;
    seen_ |= bit;
    return true;
  }

  bool SetInt64(int64_t value) {
    switch (slot_) {
      case Slot::kHits:
        request_->set_hits(value);
        return true;
      case Slot::kLimit:
        request_->set_limit(value);
        return true;
      case Slot::kDuration:
        request_->set_duration(value);
        return true;
      case Slot::kBurst:
        request_->set_burst(value);
        return true;
      case Slot::kCreatedAt:
        request_->set_created_at(value);
        return true;
      default:
        return false;
    }
  }

  bool SetEnum(int number) {
    if (slot_ == Slot::kAlgorithm) {
      request_->set_algorithm(static_cast<pb::gubernator::Algorithm>(number));
    } else {
      request_->set_behavior(static_cast<pb::gubernator::Behavior>(number));
    }
    return true;
  }

  const CountingStream& stream_;
  GetRateLimitsReq* req_;
  RateLimitReq* request_ = nullptr;  // The element of req_->requests being filled.
  Where where_ = Where::kStart;
  Slot slot_ = Slot::kRequests;  // Meaningful after a key, at the level of `where_`.
  int skip_depth_ = 0;           // Nesting inside the value of an unknown field.
  bool requests_seen_ = false;
  uint32_t seen_ = 0;            // Bit per RateLimitReq field already given in request_.
  size_t backslashes_seen_ = 0;  // stream_.backslashes() after the previous string or key.
  std::string metadata_key_;
};

// ---------------------------------------------------------------------------------------------
// Printing

// int64 as protobuf prints it: a quoted decimal.
void AppendQuotedInt64(int64_t value, std::string* out) {
  char digits[24];
  char* end = std::to_chars(digits, digits + sizeof(digits), value).ptr;
  out->push_back('"');
  out->append(digits, end);
  out->push_back('"');
}

void AppendStatus(pb::gubernator::Status status, std::string* out) {
  if (pb::gubernator::Status_IsValid(status)) {
    out->push_back('"');
    out->append(pb::gubernator::Status_Name(status));
    out->push_back('"');
    return;
  }
  // An open enum value without a name prints as its number.
  char digits[16];
  char* end = std::to_chars(digits, digits + sizeof(digits), static_cast<int>(status)).ptr;
  out->append(digits, end);
}

bool AppendRateLimitResp(const RateLimitResp& r, std::string* out) {
  // Protobuf's order for two or more map entries is its own business; one is unambiguous.
  if (r.metadata_size() > 1) return false;
  out->append(R"({"status":)");
  AppendStatus(r.status(), out);
  out->append(R"(,"limit":)");
  AppendQuotedInt64(r.limit(), out);
  out->append(R"(,"remaining":)");
  AppendQuotedInt64(r.remaining(), out);
  out->append(R"(,"reset_time":)");
  AppendQuotedInt64(r.reset_time(), out);
  out->append(R"(,"error":)");
  if (!common::AppendJsonString(r.error(), out)) return false;
  out->append(R"(,"metadata":{)");
  for (const auto& [key, value] : r.metadata()) {
    if (!common::AppendJsonString(key, out)) return false;
    out->push_back(':');
    if (!common::AppendJsonString(value, out)) return false;
  }
  out->append("}}");
  return true;
}

// Room for one response's fixed part with the widest numbers and status name.
constexpr size_t kMaxFixedRespJson = 160;

}  // namespace

namespace internal {

bool TryParseGetRateLimitsReqFast(std::string_view json, GetRateLimitsReq* req) {
  // rapidjson reads a NUL byte as the end of the input; protobuf reads on.
  if (std::memchr(json.data(), '\0', json.size()) != nullptr) return false;
  GetRateLimitsReq parsed;
  CountingStream stream(json);
  RequestHandler handler(stream, &parsed);
  rapidjson::Reader reader;
  constexpr unsigned kFlags =
      rapidjson::kParseIterativeFlag | rapidjson::kParseNumbersAsStringsFlag;
  if (reader.Parse<kFlags>(stream, handler).IsError() || !handler.done()) return false;
  req->Swap(&parsed);
  return true;
}

bool TryGetRateLimitsRespToJsonFast(const GetRateLimitsResp& resp, std::string* json) {
  size_t estimate = 16;
  for (const auto& r : resp.responses()) {
    estimate += kMaxFixedRespJson + r.error().size();
    for (const auto& [key, value] : r.metadata()) estimate += key.size() + value.size() + 6;
  }
  json->clear();
  json->reserve(estimate);
  json->append(R"({"responses":[)");
  for (int i = 0; i < resp.responses_size(); ++i) {
    if (i > 0) json->push_back(',');
    if (!AppendRateLimitResp(resp.responses(i), json)) return false;
  }
  json->append("]}");
  return true;
}

}  // namespace internal

absl::Status ParseGetRateLimitsReq(std::string_view json, GetRateLimitsReq* req) {
  if (internal::TryParseGetRateLimitsReqFast(json, req)) return absl::OkStatus();
  return ParseJson(json, req);
}

std::string GetRateLimitsRespToJson(const GetRateLimitsResp& resp) {
  std::string json;
  if (internal::TryGetRateLimitsRespToJsonFast(resp, &json)) return json;
  return ToJson(resp);
}

}  // namespace sluice::api
