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

HttpReply HttpCall(const std::string& method, const std::string& url,
                   const std::string& body = "",
                   const std::vector<std::string>& headers = {"Content-Type: application/json"},
                   long timeout_ms = 10'000);

inline HttpReply HttpGet(const std::string& url) { return HttpCall("GET", url); }
inline HttpReply HttpPost(const std::string& url, const std::string& body) {
  return HttpCall("POST", url, body);
}

}  // namespace sluice::testing
