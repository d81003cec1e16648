// UDP helpers for the mesh tests (unit and integration): a free loopback port, and a raw
// datagram sender for throwing arbitrary bytes at a node's gossip port.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <string>

#include "testing/free_port.h"

namespace sluice::mesh {

// A UDP port on 127.0.0.1 that was free when asked (the kernel's pick for port 0).
inline int FreeUdpPort() { return testing::FreeLoopbackPort(SOCK_DGRAM); }

// Sends `bytes` as one datagram to 127.0.0.1:port.
inline void SendDatagram(int port, const std::string& bytes) {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  sendto(fd, bytes.data(), bytes.size(), 0, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  close(fd);
}

}  // namespace sluice::mesh
