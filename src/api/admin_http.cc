#include "api/admin_http.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "net/http_error.h"

namespace sluice::api {
namespace {

net::HttpResponse ErrorAnswer(const absl::Status& status) {
  return net::HttpResponse{.status = net::HttpStatusFor(status.code()),
                           .body = net::GatewayErrorJson(status)};
}

}  // namespace

net::HttpHandler AdminHttpHandler(const AdminCounters& counters,
                                  std::vector<std::string> allowed_client_cns, bool reset) {
  return [&counters, allowed = std::move(allowed_client_cns), reset](
             const net::HttpRequest& req, net::HttpRespond respond) {
    if (!allowed.empty() && std::find(allowed.begin(), allowed.end(),
                                      req.client_common_name) == allowed.end()) {
      return respond(ErrorAnswer(absl::PermissionDeniedError(
          req.client_common_name.empty()
              ? std::string("counter admin: no verified client certificate; --admin-client-cn "
                            "lists who may call")
              : absl::StrCat("counter admin: client certificate CN '", req.client_common_name,
                             "' is not listed by --admin-client-cn"))));
    }
    absl::StatusOr<AdminSelector> selector = ParseAdminSelector(req.query);
    if (!selector.ok()) return respond(ErrorAnswer(selector.status()));
    counters.Run(*selector, reset,
                 [respond = std::move(respond)](absl::StatusOr<AdminAnswer> answer) mutable {
                   if (!answer.ok()) return respond(ErrorAnswer(answer.status()));
                   respond(net::HttpResponse{.body = AdminAnswerJson(*answer)});
                 });
  };
}

}  // namespace sluice::api
