// HttpServer against a real HTTP client (libcurl) on a loopback port.
#include "net/http_server.h"

#include <curl/curl.h>
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "testing/raw_http_connection.h"

namespace sluice::net {
namespace {

using testing::RawConnection;

struct Reply {
  long status = 0;
  std::string body;
  std::string headers;
};

size_t Append(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

Reply Fetch(int port, const std::string& method, const std::string& path,
            const std::string& body = "") {
  Reply reply;
  CURL* curl = curl_easy_init();
  std::string url = "http://127.0.0.1:" + std::to_string(port) + path;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
  if (!body.empty()) curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, Append);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &reply.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, Append);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &reply.headers);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 10L);
  EXPECT_EQ(curl_easy_perform(curl), CURLE_OK);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply.status);
  curl_easy_cleanup(curl);
  return reply;
}

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.Route("POST", "/echo", [](const HttpRequest& req, HttpRespond respond) {
      respond(HttpResponse{.body = req.body});
    });
    server_.Route("GET", "/later", [](const HttpRequest&, HttpRespond respond) {
      // Answer from another thread, as a peer completion would.
      std::thread([respond] { respond(HttpResponse{.status = 202, .body = "{}"}); }).detach();
    });
    ASSERT_TRUE(server_.Start().ok());
  }
  HttpServer server_{HttpServerOptions{.address = "127.0.0.1:0", .threads = 2,
                                       .max_body_bytes = 1024, .idle_timeout_seconds = 5}};
};

TEST_F(HttpServerTest, RoutesByMethodAndPath) {
  auto echo = Fetch(server_.port(), "POST", "/echo", "hello");
  EXPECT_EQ(echo.status, 200);
  EXPECT_EQ(echo.body, "hello");
  auto later = Fetch(server_.port(), "GET", "/later");
  EXPECT_EQ(later.status, 202);
}

TEST_F(HttpServerTest, UnknownPathIs404WithJsonError) {
  auto reply = Fetch(server_.port(), "GET", "/nope");
  EXPECT_EQ(reply.status, 404);
  EXPECT_EQ(reply.body, R"({"code":5,"message":"Not Found","details":[]})");
}

TEST_F(HttpServerTest, WrongMethodIs405) {
  auto reply = Fetch(server_.port(), "GET", "/echo");
  EXPECT_EQ(reply.status, 405);
  EXPECT_NE(reply.headers.find("Allow: POST"), std::string::npos);
}

TEST_F(HttpServerTest, OversizeBodyIs413) {
  auto reply = Fetch(server_.port(), "POST", "/echo", std::string(4096, 'x'));
  EXPECT_EQ(reply.status, 413);
  EXPECT_NE(reply.body.find("larger than 1024 bytes"), std::string::npos);
}

TEST_F(HttpServerTest, KeepAliveServesManyRequestsOnOneConnection) {
  CURL* curl = curl_easy_init();
  std::string url = "http://127.0.0.1:" + std::to_string(server_.port()) + "/echo";
  std::string body;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, "x");
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, Append);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
  for (int i = 0; i < 20; ++i) ASSERT_EQ(curl_easy_perform(curl), CURLE_OK);
  long connects = -1;
  curl_easy_getinfo(curl, CURLINFO_NUM_CONNECTS, &connects);
  EXPECT_EQ(connects, 0);  // the last request reused the connection
  curl_easy_cleanup(curl);
  EXPECT_EQ(body, std::string(20, 'x'));
}

// A client that writes its next request on a keep-alive connection just as the drain starts
// (wrk always does) gets it answered, with Connection: close, instead of a closed socket.
TEST_F(HttpServerTest, DrainAnswersTheNextRequestOfAnIdleKeepAliveConnection) {
  RawConnection conn;
  ASSERT_TRUE(conn.Connect(server_.port()));
  conn.SendEcho("first");
  std::string first = conn.ReadResponse("first");
  ASSERT_NE(first.find("200 OK"), std::string::npos) << first;
  EXPECT_EQ(first.find("Connection: close"), std::string::npos) << first;

  std::thread stop([this] { server_.Stop(std::chrono::seconds(5)); });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // acceptor closed, draining
  conn.SendEcho("second");
  std::string second = conn.ReadResponse("second");
  stop.join();
  EXPECT_NE(second.find("200 OK"), std::string::npos) << second;
  EXPECT_NE(second.find("Connection: close"), std::string::npos) << second;
  EXPECT_TRUE(conn.ClosedByServer());
}

// A handler may answer, or drop its Respond, after the server is gone (a peer's reply arriving
// during shutdown): the answer is dropped and nothing of the server's is touched (ASan checks).
TEST(HttpServerLifetimeTest, AnAnswerAfterTheServerIsGoneIsDropped) {
  HttpRespond kept;
  absl::Notification handled;
  RawConnection conn;
  {
    HttpServer server(HttpServerOptions{.address = "127.0.0.1:0", .threads = 1});
    server.Route("POST", "/echo", [&](const HttpRequest&, HttpRespond respond) {
      kept = std::move(respond);
      handled.Notify();
    });
    ASSERT_TRUE(server.Start().ok());
    ASSERT_TRUE(conn.Connect(server.port()));
    conn.SendEcho("held");
    handled.WaitForNotification();
  }  // stops without waiting: the request is still unanswered
  EXPECT_TRUE(conn.ClosedByServer());
  HttpRespond copy = kept;
  kept(HttpResponse{.body = "too late"});
  kept = nullptr;
  copy = nullptr;  // the last copy
}

// An idle keep-alive connection does not hold the drain: it is closed after the idle grace.
TEST(HttpServerDrainTest, IdleConnectionsEndTheDrainAfterTheGrace) {
  auto owned = std::make_unique<HttpServer>(HttpServerOptions{
      .address = "127.0.0.1:0", .threads = 1, .drain_idle_grace = std::chrono::milliseconds(300)});
  HttpServer& server = *owned;
  server.Route("POST", "/echo", [](const HttpRequest& req, HttpRespond respond) {
    respond(HttpResponse{.body = req.body});
  });
  ASSERT_TRUE(server.Start().ok());
  RawConnection conn;
  ASSERT_TRUE(conn.Connect(server.port()));
  conn.SendEcho("x");
  ASSERT_NE(conn.ReadResponse("x").find("200 OK"), std::string::npos);
  const auto start = std::chrono::steady_clock::now();
  server.Stop(std::chrono::seconds(10));
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_GE(took, std::chrono::milliseconds(250));
  EXPECT_LT(took, std::chrono::seconds(3));
  owned.reset();
  EXPECT_TRUE(conn.ClosedByServer());
}

}  // namespace
}  // namespace sluice::net
