#include "server/build_info_metric.h"

#include <string>

namespace sluice::server {

void RegisterBuildInfo(obs::Registry& registry, std::string_view version) {
  registry
      .AddGauge("sluice_build_info", "Always 1; the label carries the Sluice version.",
                {{"version", std::string(version)}})
      ->Set(1);
}

}  // namespace sluice::server
