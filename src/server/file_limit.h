// RaiseFileLimit: lifts the soft RLIMIT_NOFILE to the hard limit at start-up, as Go programs
// (Gubernator among them) do since Go 1.19, so a node runs out of descriptors only at the limit
// its operator set. It matters more for the gRPC listener than for HTTP's: gRPC 1.51 stops
// accepting on its port for good after one EMFILE from accept4 (docs/operations.md "Limits").
#pragma once

#include <string>

namespace sluice::server {

// Returns a line for the log: the limits before and after, or why they were left alone.
std::string RaiseFileLimit();

}  // namespace sluice::server
