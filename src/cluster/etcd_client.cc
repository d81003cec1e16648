#include "cluster/etcd_client.h"

#include <curl/curl.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include <mutex>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/json_string.h"

namespace sluice::cluster {
namespace {

using google::protobuf::Struct;
using google::protobuf::Value;

size_t Append(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

std::string B64(std::string_view s) { return absl::Base64Escape(std::string(s)); }

// The smallest key greater than every key with `prefix` (etcd's range_end for a prefix).
std::string PrefixEnd(std::string prefix) {
  while (!prefix.empty()) {
    auto& last = prefix.back();
    if (static_cast<unsigned char>(last) < 0xff) {
      ++last;
      return prefix;
    }
    prefix.pop_back();
  }
  return std::string(1, '\0');  // every key
}

absl::StatusOr<Struct> ParseObject(const std::string& json) {
  Struct out;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  auto status = google::protobuf::util::JsonStringToMessage(json, &out, options);
  if (!status.ok()) {
    return absl::InternalError(absl::StrCat(
        "etcd: unparsable answer (", std::string(status.message()), "): ", json.substr(0, 200)));
  }
  return out;
}

const Value* Field(const Struct& s, const char* name) {
  auto it = s.fields().find(name);
  return it == s.fields().end() ? nullptr : &it->second;
}

// An int64 field, which the gateway writes as a string (or, rarely, a number); 0 when absent.
int64_t IntField(const Struct& s, const char* name) {
  const Value* v = Field(s, name);
  if (v == nullptr) return 0;
  if (v->has_string_value()) {
    int64_t out = 0;
    return absl::SimpleAtoi(v->string_value(), &out) ? out : 0;
  }
  if (v->has_number_value()) return static_cast<int64_t>(v->number_value());
  return 0;
}

std::string Unbase64(const Value* v) {
  std::string out;
  if (v != nullptr && v->has_string_value()) absl::Base64Unescape(v->string_value(), &out);
  return out;
}

// The gateway's error object as a status: {"error": "...", "code": N, "message": "..."}, or in a
// streamed answer {"error": {"grpc_code": N, "message": "..."}}.
absl::Status ErrorIn(const Struct& s) {
  const Value* error = Field(s, "error");
  if (error == nullptr && IntField(s, "code") == 0) return absl::OkStatus();
  std::string message = "unknown error";
  if (const Value* m = Field(s, "message"); m != nullptr && m->has_string_value()) {
    message = m->string_value();
  }
  if (error != nullptr && error->has_string_value()) message = error->string_value();
  if (error != nullptr && error->has_struct_value()) {
    if (const Value* m = Field(error->struct_value(), "message"); m && m->has_string_value()) {
      message = m->string_value();
    }
  }
  if (absl::StrContains(message, "not found")) return absl::NotFoundError("etcd: " + message);
  if (absl::StrContains(message, "user name is empty")) {
    return absl::UnauthenticatedError(
        "etcd: authentication is enabled on etcd; set --etcd-user and --etcd-password "
        "(GUBER_ETCD_USER, GUBER_ETCD_PASSWORD): " + message);
  }
  if (absl::StrContains(message, "permission denied")) {
    return absl::PermissionDeniedError("etcd: the --etcd-user lacks a permission: " + message);
  }
  return absl::UnavailableError("etcd: " + message);
}

// An answer saying the token sent is no longer valid (expired, or etcd restarted).
bool TokenRefused(const std::string& reply) {
  return absl::StrContains(reply, "invalid auth token") ||
         absl::StrContains(reply, "auth token is expired") ||
         absl::StrContains(reply, "user name is empty");
}

// What a failed transfer means, naming the setting to fix where one is at fault.
std::string TransferError(CURLcode rc, const char* detail, const EtcdTlsOptions& tls) {
  const std::string what = detail[0] != '\0' ? std::string(detail) : curl_easy_strerror(rc);
  switch (rc) {
    case CURLE_PEER_FAILED_VERIFICATION:
      return absl::StrCat("TLS: etcd's certificate is not trusted by ",
                          tls.ca_file.empty() ? std::string("the system's CAs (set --etcd-tls-ca)")
                                              : "--etcd-tls-ca " + tls.ca_file,
                          ": ", what);
    case CURLE_SSL_CACERT_BADFILE:
      return absl::StrCat("TLS: --etcd-tls-ca ", tls.ca_file, " cannot be read: ", what);
    case CURLE_SSL_CERTPROBLEM:
      return absl::StrCat("TLS: --etcd-tls-cert ", tls.cert_file, " / --etcd-tls-key ",
                          tls.key_file, " unusable: ", what);
    case CURLE_SSL_CONNECT_ERROR:
      return absl::StrCat("TLS handshake failed (does etcd want a client certificate, "
                          "--etcd-tls-cert/--etcd-tls-key?): ",
                          what);
    default:
      return what;
  }
}

std::vector<std::string> WithScheme(std::vector<std::string> endpoints, bool tls) {
  for (auto& e : endpoints) {
    if (!absl::StartsWith(e, "http://") && !absl::StartsWith(e, "https://")) {
      e = (tls ? "https://" : "http://") + e;
    }
    while (absl::EndsWith(e, "/")) e.pop_back();
  }
  return endpoints;
}

}  // namespace

EtcdClient::EtcdClient(EtcdClientOptions options)
    : options_([&] {
        options.endpoints = WithScheme(std::move(options.endpoints), options.tls.enabled);
        return std::move(options);
      }()) {
  static std::once_flag curl_init;
  std::call_once(curl_init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

EtcdClient::EtcdClient(std::vector<std::string> endpoints, absl::Duration timeout)
    : EtcdClient(EtcdClientOptions{.endpoints = std::move(endpoints), .timeout = timeout}) {}

EtcdClient::~EtcdClient() {
  absl::MutexLock lock(&mu_);
  if (curl_ != nullptr) curl_easy_cleanup(static_cast<CURL*>(curl_));
}

absl::StatusOr<std::string> EtcdClient::Post(const std::string& path, const std::string& body) {
  absl::MutexLock lock(&mu_);
  const bool auth = !options_.user.empty();
  for (int round = 0;; ++round) {
    if (auth && token_.empty()) {
      if (auto s = AuthenticateLocked(); !s.ok()) return s;
    }
    absl::StatusOr<std::string> reply = PostLocked(path, body, token_);
    if (!reply.ok() || !auth || round == 1 || !TokenRefused(*reply)) return reply;
    token_.clear();  // expired or forgotten by a restarted etcd: once more with a new one
  }
}

absl::Status EtcdClient::AuthenticateLocked() {
  std::string body = R"({"name":)";
  common::AppendJsonString(options_.user, &body);
  body += R"(,"password":)";
  common::AppendJsonString(options_.password, &body);
  body += "}";
  auto reply = PostLocked("/v3/auth/authenticate", body, "");
  if (!reply.ok()) return reply.status();
  auto json = ParseObject(*reply);
  if (!json.ok()) return json.status();
  if (auto s = ErrorIn(*json); !s.ok()) {
    return absl::UnauthenticatedError(
        absl::StrCat("etcd: authenticating as --etcd-user '", options_.user,
                     "' failed (check --etcd-user and --etcd-password): ", s.message()));
  }
  const Value* token = Field(*json, "token");
  if (token == nullptr || !token->has_string_value() || token->string_value().empty()) {
    return absl::UnauthenticatedError(absl::StrCat(
        "etcd: authenticating as --etcd-user '", options_.user,
        "' gave no token (is authentication enabled on etcd?): ", reply->substr(0, 200)));
  }
  token_ = token->string_value();
  return absl::OkStatus();
}

absl::StatusOr<std::string> EtcdClient::PostLocked(const std::string& path,
                                                   const std::string& body,
                                                   const std::string& token) {
  const std::vector<std::string>& endpoints = options_.endpoints;
  if (endpoints.empty()) return absl::InvalidArgumentError("etcd: no endpoints");
  if (curl_ == nullptr) curl_ = curl_easy_init();
  CURL* curl = static_cast<CURL*>(curl_);
  const EtcdTlsOptions& tls = options_.tls;
  std::string errors;
  for (size_t attempt = 0; attempt < endpoints.size(); ++attempt) {
    const size_t index = (current_ + attempt) % endpoints.size();
    const std::string url = endpoints[index] + path;
    std::string reply;
    char detail[CURL_ERROR_SIZE] = {};
    curl_easy_reset(curl);
    curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
    if (!token.empty()) {
      headers = curl_slist_append(headers, absl::StrCat("Authorization: ", token).c_str());
    }
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, Append);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &reply);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, detail);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS,
                     static_cast<long>(absl::ToInt64Milliseconds(options_.timeout)));
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    if (!tls.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, tls.ca_file.c_str());
    if (!tls.cert_file.empty()) curl_easy_setopt(curl, CURLOPT_SSLCERT, tls.cert_file.c_str());
    if (!tls.key_file.empty()) curl_easy_setopt(curl, CURLOPT_SSLKEY, tls.key_file.c_str());
    if (tls.skip_verify) {
      curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
      curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    const CURLcode rc = curl_easy_perform(curl);
    long http_status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &http_status);
    curl_slist_free_all(headers);
    if (rc == CURLE_OK && http_status != 0) {
      current_ = index;
      return reply;  // a gateway error (HTTP 4xx/5xx) still has a JSON body; callers read it
    }
    absl::StrAppend(&errors, errors.empty() ? "" : "; ", endpoints[index], ": ",
                    TransferError(rc, detail, tls));
  }
  return absl::UnavailableError(absl::StrCat("etcd unreachable: ", errors));
}

absl::StatusOr<int64_t> EtcdClient::GrantLease(int64_t ttl_seconds) {
  auto reply = Post("/v3/lease/grant", absl::StrCat(R"({"TTL":")", ttl_seconds, R"("})"));
  if (!reply.ok()) return reply.status();
  auto json = ParseObject(*reply);
  if (!json.ok()) return json.status();
  if (auto s = ErrorIn(*json); !s.ok()) return s;
  const int64_t id = IntField(*json, "ID");
  if (id == 0) return absl::InternalError("etcd: lease grant answered without an ID");
  return id;
}

absl::StatusOr<int64_t> EtcdClient::KeepAlive(int64_t lease) {
  auto reply = Post("/v3/lease/keepalive", absl::StrCat(R"({"ID":")", lease, R"("})"));
  if (!reply.ok()) return reply.status();
  // A stream of answers, one JSON object per line; the first one is ours.
  auto json = ParseObject(reply->substr(0, reply->find('\n')));
  if (!json.ok()) return json.status();
  if (auto s = ErrorIn(*json); !s.ok()) return s;
  const Value* result = Field(*json, "result");
  const int64_t ttl = result && result->has_struct_value() ? IntField(result->struct_value(), "TTL")
                                                           : IntField(*json, "TTL");
  if (ttl <= 0) return absl::NotFoundError(absl::StrCat("etcd: lease ", lease, " expired"));
  return ttl;
}

absl::Status EtcdClient::RevokeLease(int64_t lease) {
  auto reply = Post("/v3/lease/revoke", absl::StrCat(R"({"ID":")", lease, R"("})"));
  if (!reply.ok()) return reply.status();
  auto json = ParseObject(*reply);
  if (!json.ok()) return json.status();
  return ErrorIn(*json);
}

absl::Status EtcdClient::Put(const std::string& key, const std::string& value, int64_t lease) {
  std::string body = absl::StrCat(R"({"key":")", B64(key), R"(","value":")", B64(value), "\"");
  if (lease != 0) absl::StrAppend(&body, R"(,"lease":")", lease, "\"");
  body += "}";
  auto reply = Post("/v3/kv/put", body);
  if (!reply.ok()) return reply.status();
  auto json = ParseObject(*reply);
  if (!json.ok()) return json.status();
  return ErrorIn(*json);
}

absl::Status EtcdClient::Delete(const std::string& key) {
  auto reply = Post("/v3/kv/deleterange", absl::StrCat(R"({"key":")", B64(key), R"("})"));
  if (!reply.ok()) return reply.status();
  auto json = ParseObject(*reply);
  if (!json.ok()) return json.status();
  return ErrorIn(*json);
}

absl::StatusOr<std::vector<EtcdKeyValue>> EtcdClient::RangePrefix(const std::string& prefix) {
  auto reply = Post("/v3/kv/range", absl::StrCat(R"({"key":")", B64(prefix), R"(","range_end":")",
                                                 B64(PrefixEnd(prefix)), R"("})"));
  if (!reply.ok()) return reply.status();
  auto json = ParseObject(*reply);
  if (!json.ok()) return json.status();
  if (auto s = ErrorIn(*json); !s.ok()) return s;
  std::vector<EtcdKeyValue> out;
  const Value* kvs = Field(*json, "kvs");
  if (kvs == nullptr || !kvs->has_list_value()) return out;
  for (const Value& kv : kvs->list_value().values()) {
    if (!kv.has_struct_value()) continue;
    const Struct& s = kv.struct_value();
    out.push_back(EtcdKeyValue{.key = Unbase64(Field(s, "key")),
                               .value = Unbase64(Field(s, "value")),
                               .lease = IntField(s, "lease")});
  }
  return out;
}

}  // namespace sluice::cluster
