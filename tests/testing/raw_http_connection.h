// RawConnection: a blocking loopback TCP client speaking raw HTTP/1.1 to an echo route
// (POST /echo answering its body), for tests that must control exactly when each request is
// written and see exactly what comes back (HttpServer drain and accept tests). Header-only; one
// thread at a time.
#pragma once

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <string>

namespace sluice::testing {

class RawConnection {
 public:
  RawConnection() : fd_(socket(AF_INET, SOCK_STREAM, 0)) {
    timeval timeout{.tv_sec = 10, .tv_usec = 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  }
  ~RawConnection() { close(fd_); }
  bool Connect(int port) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    return connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  }
  void SendEcho(const std::string& body) {
    std::string request = "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: " +
                          std::to_string(body.size()) + "\r\n\r\n" + body;
    ASSERT_EQ(send(fd_, request.data(), request.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(request.size()));
  }
  // Reads until `body` ends a response (or the connection ends); returns what was read.
  std::string ReadResponse(const std::string& body) {
    std::string got;
    char buf[4096];
    while (got.find("\r\n\r\n") == std::string::npos ||
           got.substr(got.size() - std::min(got.size(), body.size())) != body) {
      ssize_t n = recv(fd_, buf, sizeof(buf), 0);
      if (n <= 0) break;
      got.append(buf, static_cast<size_t>(n));
    }
    return got;
  }
  // True once the server closed the connection (read returns 0 within 10 s).
  bool ClosedByServer() {
    char buf[64];
    return recv(fd_, buf, sizeof(buf), 0) == 0;
  }

 private:
  int fd_;
};

}  // namespace sluice::testing
