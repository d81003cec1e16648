// sluice::ClusterMember (include/sluice/cluster_member.h): the binary's settings parsed once
// (config.h), the member's parts wired from them (cluster_member_parts.h), and the public
// request and answer translated to and from Gubernator's wire types at this edge.
#include "sluice/cluster_member.h"

#include <grpcpp/grpcpp.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "common/host_port.h"
#include "cluster/peer_wire.h"
#include "core/clock.h"
#include "library/public_types.h"
#include "server/build_info_metric.h"
#include "server/cluster_member_parts.h"
#include "server/settings_sources.h"

namespace sluice {

ClusterMember::Parts::Parts(const server::Config& c, std::unique_ptr<persist::Persistence> p)
    : config(c),
      persistence(std::move(p)),
      store(core::StoreOptions{.capacity = static_cast<size_t>(c.store.cache_size),
                               .max_bytes = static_cast<size_t>(server::CacheMaxBytes(c)),
                               .shards = static_cast<size_t>(server::kStoreShards)}) {}

namespace server {
namespace {

// The doors over the mode's router: the Gubernator and Envoy handlers, their gRPC services, the
// rules (loaded, and watched unless --no-rules-watch).
absl::Status BuildDoors(ClusterMember::Parts& p) {
  const Config& config = p.config;
  const core::Clock& clock = core::SystemClock::Instance();
  p.gubernator = std::make_unique<api::GubernatorHandler>(
      p.status->router(), clock, *p.mode.health, &p.door_metrics, AdmissionOptionsFor(config));
  p.gubernator_service =
      std::make_unique<api::GubernatorService>(*p.gubernator, p.door_metrics, p.tracer);
  p.rules = std::make_unique<rules::RuleStore>(
      config.rules.path,
      [&reloads = p.status->reloads()](const absl::Status& result) {
        reloads.Record(result, core::SystemClock::Instance().NowMillis());
      },
      &p.registry);
  if (!config.rules.path.empty()) {
    // Watch first, then load: a change between the two is not missed.
    if (config.rules.watch) {
      auto watcher = rules::RuleWatcher::Start(p.rules.get());
      if (!watcher.ok()) return watcher.status();
      p.rules_watcher = std::move(*watcher);
    }
    if (absl::Status status = p.rules->Reload(); !status.ok()) return status;
  }
  p.envoy = std::make_unique<api::EnvoyHandler>(
      p.status->router(), clock, *p.rules,
      api::EnvoyOptions{.shadow_mode = config.rules.shadow_mode,
                        .rate_limit_headers = config.rules.rate_limit_headers,
                        .admission = AdmissionOptionsFor(config)},
      &p.door_metrics);
  p.envoy_service = std::make_unique<api::EnvoyService>(*p.envoy, p.door_metrics, p.tracer);
  if (config.server.admin) {  // reads and resets are not requests: the top keys do not see them
    p.admin = std::make_unique<api::AdminCounters>(*p.mode.router, clock, *p.rules);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<ClusterMember>> CreateClusterMember(const Config& config,
                                                                   std::string advertise_address) {
  auto persistence = persist::Persistence::Open(config.persistence);
  if (!persistence.ok()) return persistence.status();
  auto parts = std::make_unique<ClusterMember::Parts>(config, std::move(*persistence));
  ClusterMember::Parts& p = *parts;
  RegisterBuildInfo(p.registry, kVersion);
  if (auto s = p.persistence->Restore(p.limiter, core::SystemClock::Instance()); !s.ok()) return s;
  p.persistence->BindMetrics(p.registry, p.limiter);
  auto tls = LoadTlsMaterial(config);
  if (!tls.ok()) return tls.status();
  p.tls = std::move(*tls);
  auto tracing = trace::Tracing::Create(config.tracing, &p.registry);
  if (!tracing.ok()) return tracing.status();
  p.tracing = std::move(*tracing);
  if (p.tracing) p.tracer = &p.tracing->tracer();
  p.advertise_address = std::move(advertise_address);

  auto mode = BuildMode(ModeInputs{.config = p.config,
                                   .advertise_address = p.advertise_address,
                                   .limiter = p.limiter,
                                   .clock = core::SystemClock::Instance(),
                                   .registry = p.registry,
                                   .door_metrics = p.door_metrics,
                                   .cluster_metrics = p.cluster_metrics,
                                   .mesh_metrics = p.mesh_metrics,
                                   .tls = p.tls,
                                   .tracer = p.tracer});
  if (!mode.ok()) return mode.status();
  p.mode = std::move(*mode);
  p.status = std::make_unique<NodeStatus>(*p.mode.router);
  if (auto status = BuildDoors(p); !status.ok()) return status;
  return std::make_unique<ClusterMember>(std::move(parts));
}

std::vector<std::string> MemberServiceNames(const ClusterMember::Parts& parts) {
  std::vector<std::string> names = {
      pb::gubernator::V1::service_full_name(),
      envoy::service::ratelimit::v3::RateLimitService::service_full_name()};
  if (parts.mode.peers_service) names.emplace_back(pb::gubernator::PeersV1::service_full_name());
  return names;
}

}  // namespace server

namespace {

Status FromAbsl(const absl::Status& status) {
  return status.ok() ? Status::Ok() : Status::Error(std::string(status.message()));
}

RoutedAnswer FromWire(const pb::gubernator::RateLimitResp& item) {
  RoutedAnswer routed{.answer = FromCore(cluster::FromProto(item))};
  if (auto owner = item.metadata().find("owner"); owner != item.metadata().end()) {
    routed.owner = owner->second;
  }
  return routed;
}

}  // namespace

Status ClusterMember::Create(const ClusterMemberOptions& options,
                             std::unique_ptr<ClusterMember>* member) {
  auto address = common::SplitHostPort(options.advertise_address, common::PortZero::kRefused);
  if (!address.ok()) {
    return Status::Error(absl::StrCat("advertise_address: ", address.status().message()));
  }
  std::vector<const char*> argv = {"sluice"};
  for (const std::string& setting : options.settings) argv.push_back(setting.c_str());
  auto command_line = server::ParseCommandLine(
      static_cast<int>(argv.size()), argv.data(),
      options.read_environment ? server::ProcessEnvironment() : server::Environment{});
  if (!command_line.ok()) return FromAbsl(command_line.status());
  if (command_line->exit_now || command_line->validate) {
    return Status::Error("settings: -h, -V and --validate are the binary's, not a member's");
  }
  auto created = server::CreateClusterMember(command_line->config, options.advertise_address);
  if (!created.ok()) return FromAbsl(created.status());
  *member = std::move(*created);
  return Status::Ok();
}

ClusterMember::ClusterMember(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

ClusterMember::~ClusterMember() { Stop(); }

void ClusterMember::RegisterServices(grpc::ServerBuilder& builder) {
  builder.RegisterService(parts_->gubernator_service.get());
  builder.RegisterService(parts_->envoy_service.get());
  if (parts_->mode.peers_service) builder.RegisterService(parts_->mode.peers_service.get());
}

Status ClusterMember::Join() {
  Parts& p = *parts_;
  if (p.joined) return Status::Error("Join() called twice");
  if (auto joined = p.mode.Join(); !joined.ok()) return FromAbsl(joined);
  p.joined = true;
  p.persistence->Start(p.limiter, core::SystemClock::Instance());
  return Status::Ok();
}

std::vector<RoutedAnswer> ClusterMember::Check(std::span<const Request> requests) {
  pb::gubernator::GetRateLimitsReq req;
  for (const Request& r : requests) cluster::ToProto(ToCore(r), req.add_requests());
  pb::gubernator::GetRateLimitsResp resp;
  absl::Status result;
  absl::Notification done;
  parts_->gubernator->GetRateLimits(req, &resp, [&](absl::Status status) {
    result = std::move(status);
    done.Notify();
  });
  done.WaitForNotification();
  std::vector<RoutedAnswer> answers;
  answers.reserve(requests.size());
  for (size_t i = 0; i < requests.size(); ++i) {
    if (!result.ok()) {  // the whole batch refused (too large)
      answers.push_back(RoutedAnswer{.answer = {.error = std::string(result.message())}});
    } else {
      answers.push_back(FromWire(resp.responses(static_cast<int>(i))));
    }
  }
  return answers;
}

void ClusterMember::Leave() {
  Parts& p = *parts_;
  if (p.left) return;
  p.left = true;
  p.gubernator->SetShuttingDown();
  p.mode.Leave();
}

void ClusterMember::Stop() {
  Parts& p = *parts_;
  if (p.stopped) return;
  p.stopped = true;
  Leave();
  p.mode.Stop();  // the mesh's last push and leave; GLOBAL sync and peer clients
  if (p.tracing) p.tracing->Stop();  // sends the spans still queued
  if (p.rules_watcher) p.rules_watcher->Stop();
  p.persistence->Stop();  // the last snapshot, once no call can change a key any more
}

const std::string& ClusterMember::advertise_address() const { return parts_->advertise_address; }

std::string ClusterMember::MetricsText() const { return parts_->registry.Render(); }

}  // namespace sluice
