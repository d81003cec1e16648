#include "common/host_port.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace sluice::common {
namespace {

absl::Status Invalid(std::string_view address, std::string_view why) {
  // std::string: this abseil's string_view is not std::string_view.
  return absl::InvalidArgumentError(
      absl::StrCat("invalid address \"", std::string(address), "\": ", std::string(why)));
}

bool IsHostNameChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_';
}

}  // namespace

absl::StatusOr<HostPort> SplitHostPort(std::string_view address, PortZero port_zero) {
  if (address.empty()) return Invalid(address, "empty, want host:port");
  std::string_view host;
  std::string_view rest;  // ":port" or whatever follows the host
  if (address.front() == '[') {
    size_t close = address.find(']');
    if (close == std::string_view::npos) return Invalid(address, "missing ']' after IPv6 host");
    host = address.substr(1, close - 1);
    rest = address.substr(close + 1);
    in6_addr ignored;
    if (std::string h(host); inet_pton(AF_INET6, h.c_str(), &ignored) != 1) {
      return Invalid(address, "host in brackets is not an IPv6 address");
    }
  } else {
    size_t colon = address.rfind(':');
    if (colon == std::string_view::npos) return Invalid(address, "missing ':port', want host:port");
    host = address.substr(0, colon);
    rest = address.substr(colon);
    if (host.find(':') != std::string_view::npos) {
      return Invalid(address, "IPv6 host must be in brackets, e.g. [::1]:1051");
    }
    if (host.empty()) return Invalid(address, "empty host, want host:port");
    for (char c : host) {
      if (!IsHostNameChar(c)) return Invalid(address, "host has a character not allowed in a name");
    }
  }
  if (rest.empty() || rest.front() != ':') return Invalid(address, "missing ':port' after host");
  std::string_view port_text = rest.substr(1);
  uint32_t port = 0;
  bool valid = !port_text.empty() && port_text.size() <= 5;
  for (char c : port_text) {
    valid = valid && absl::ascii_isdigit(static_cast<unsigned char>(c));
    port = port * 10 + static_cast<uint32_t>(c - '0');
  }
  const uint32_t lowest = port_zero == PortZero::kAllowed ? 0 : 1;
  if (!valid || port < lowest || port > 65535) {
    return Invalid(address, absl::StrCat("port \"", std::string(port_text),
                                         "\" is not a number in ", lowest, "-65535"));
  }
  return HostPort{std::string(host), static_cast<uint16_t>(port)};
}

std::string JoinHostPort(std::string_view host, uint16_t port) {
  const std::string text(host);
  if (host.find(':') != std::string_view::npos) return absl::StrCat("[", text, "]:", port);
  return absl::StrCat(text, ":", port);
}

bool IsWildcardHost(std::string_view host) {
  return host.empty() || host == "0.0.0.0" || host == "::";
}

}  // namespace sluice::common
