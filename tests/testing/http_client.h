// A tiny blocking HTTP client for tests, on libcurl (a real, independent HTTP implementation).
#pragma once

#include <string>
#include <vector>

namespace sluice::testing {

struct HttpReply {
  long status = 0;         // 0 when the request failed at the transport level
  std::string body;
  std::string headers;     // raw header block
  std::string error;       // curl's error text, if any
};

// For https:// URLs: the CA that verifies the server, and an optional client certificate.
struct HttpTls {
  std::string ca_file;
  std::string cert_file;  // empty: no client certificate
  std::string key_file;
};

HttpReply HttpCall(const std::string& method, const std::string& url,
                   const std::string& body = "",
                   const std::vector<std::string>& headers = {"Content-Type: application/json"},
                   long timeout_ms = 10'000, const HttpTls* tls = nullptr);

inline HttpReply HttpGet(const std::string& url) { return HttpCall("GET", url); }
inline HttpReply HttpPost(const std::string& url, const std::string& body) {
  return HttpCall("POST", url, body);
}

}  // namespace sluice::testing
