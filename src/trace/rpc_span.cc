#include "trace/rpc_span.h"

#include <string>

namespace sluice::trace {
namespace {

std::string_view Metadata(const grpc::ServerContextBase& context, std::string_view key) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find(grpc::string_ref(key.data(), key.size()));
  if (it == metadata.end()) return {};
  return std::string_view(it->second.data(), it->second.size());
}

}  // namespace

Span StartRpcSpan(const Tracer* tracer, std::string_view full_method, SpanKind kind,
                  const std::optional<TraceContext>& parent, TracingLevel level,
                  std::string_view rpc_system) {
  if (tracer == nullptr) return Span();
  std::string_view name = full_method;
  if (!name.empty() && name.front() == '/') name.remove_prefix(1);
  Span span = tracer->StartSpan(name, kind, parent, level);
  if (span.recording()) {
    const size_t slash = name.rfind('/');
    span.SetAttribute("rpc.system", rpc_system);
    if (slash != std::string_view::npos) {
      span.SetAttribute("rpc.service", name.substr(0, slash));
      span.SetAttribute("rpc.method", name.substr(slash + 1));
    }
  }
  return span;
}

std::optional<TraceContext> ExtractFromGrpc(const grpc::ServerContextBase& context) {
  const std::string_view parent = Metadata(context, kTraceparentHeader);
  if (parent.empty()) return std::nullopt;
  return ExtractTraceContext(parent, Metadata(context, kTracestateHeader));
}

void InjectIntoGrpc(const TraceContext& context, grpc::ClientContext& client) {
  if (!context.valid()) return;
  client.AddMetadata(kTraceparentHeader, FormatTraceparent(context));
  if (!context.tracestate.empty()) client.AddMetadata(kTracestateHeader, context.tracestate);
}

}  // namespace sluice::trace
