#include "server/status_http.h"

#include "server/status_page_asset.h"

namespace sluice::server {

net::HttpHandler StatusPageHttpHandler() {
  return [](const net::HttpRequest&, net::HttpRespond respond) {
    respond(net::HttpResponse{.content_type = "text/html; charset=utf-8",
                              .body = std::string(StatusPageHtml()),
                              .headers = {{"Cache-Control", "no-cache"}}});
  };
}

net::HttpHandler StatusJsonHttpHandler(const StatusCollector& collector,
                                       const core::Clock& clock) {
  return [&collector, &clock](const net::HttpRequest&, net::HttpRespond respond) {
    respond(net::HttpResponse{.body = StatusJson(collector.Collect(clock.NowMillis())),
                              .headers = {{"Cache-Control", "no-store"}}});
  };
}

}  // namespace sluice::server
