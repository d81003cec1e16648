#include "trace/otlp_http_transport.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <atomic>
#include <string>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace sluice::trace {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

// Answers each request on 127.0.0.1 with `status`, after `delay_ms`; records the last body.
class FakeCollector {
 public:
  explicit FakeCollector(int status, int delay_ms = 0) : status_(status), delay_ms_(delay_ms) {
    acceptor_.open(tcp::v4());
    acceptor_.bind(tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] { Serve(); });
  }
  ~FakeCollector() {
    stop_ = true;
    boost::system::error_code ignored;
    tcp::socket poke(io_);
    poke.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_), ignored);
    thread_.join();
  }
  std::string url() const { return absl::StrCat("http://127.0.0.1:", port_, "/v1/traces"); }
  std::string last_request() {
    std::lock_guard<std::mutex> lock(mu_);
    return last_;
  }

 private:
  void Serve() {
    while (!stop_) {
      tcp::socket socket(io_);
      boost::system::error_code ec;
      acceptor_.accept(socket, ec);
      if (ec || stop_) return;
      while (true) {  // keep-alive: several requests per connection
        std::string data;
        size_t head = asio::read_until(socket, asio::dynamic_buffer(data), "\r\n\r\n", ec);
        if (ec) break;
        size_t length = 0;
        const size_t at = data.find("Content-Length: ");
        if (at != std::string::npos) {
          (void)absl::SimpleAtoi(data.substr(at + 16, data.find("\r\n", at) - at - 16), &length);
        }
        while (data.size() < head + length) {
          char buf[4096];
          size_t n = socket.read_some(asio::buffer(buf), ec);
          if (ec) break;
          data.append(buf, n);
        }
        {
          std::lock_guard<std::mutex> lock(mu_);
          last_ = data;
        }
        if (delay_ms_ > 0) std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms_));
        std::string answer = absl::StrCat("HTTP/1.1 ", status_, " X\r\nContent-Length: 2\r\n\r\n{}");
        asio::write(socket, asio::buffer(answer), ec);
        if (ec) break;
      }
    }
  }

  const int status_;
  const int delay_ms_;
  asio::io_context io_;
  tcp::acceptor acceptor_{io_};
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::string last_;
  std::thread thread_;
};

TEST(HttpUrlTest, ParsesHttpUrls) {
  auto url = ParseHttpUrl("http://collector:4318/v1/traces");
  ASSERT_TRUE(url.ok()) << url.status();
  EXPECT_EQ(url->host, "collector");
  EXPECT_EQ(url->port, "4318");
  EXPECT_EQ(url->target, "/v1/traces");
  url = ParseHttpUrl("http://[::1]:4318");
  ASSERT_TRUE(url.ok()) << url.status();
  EXPECT_EQ(url->host, "::1");
  EXPECT_EQ(url->target, "/");
  url = ParseHttpUrl("http://collector");
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(url->port, "80");
}

TEST(HttpUrlTest, RefusesWhatItCannotSendTo) {
  auto https = ParseHttpUrl("https://collector:4318");
  ASSERT_FALSE(https.ok());
  EXPECT_NE(https.status().message().find("https is not supported"), std::string::npos);
  EXPECT_FALSE(ParseHttpUrl("collector:4318").ok());
  EXPECT_FALSE(ParseHttpUrl("http://").ok());
  EXPECT_FALSE(ParseHttpUrl("http://collector:99999/").ok());
  EXPECT_FALSE(ParseHttpUrl("http://user@collector/").ok());
}

TEST(HttpUrlTest, TracesUrlFollowsTheOpenTelemetryVariables) {
  EXPECT_EQ(TracesUrl("http://c:4318", ""), "http://c:4318/v1/traces");
  EXPECT_EQ(TracesUrl("http://c:4318/", ""), "http://c:4318/v1/traces");
  EXPECT_EQ(TracesUrl("http://c:4318", "http://d:1/custom"), "http://d:1/custom");
  EXPECT_EQ(TracesUrl("", ""), "");
}

TEST(OtlpHttpTransportTest, PostsJsonAndKeepsTheConnection) {
  FakeCollector collector(200);
  auto transport = OtlpHttpTransport::Create(collector.url(), absl::Seconds(5));
  ASSERT_TRUE(transport.ok());
  EXPECT_TRUE((*transport)->Send(R"({"resourceSpans":[]})").ok());
  EXPECT_TRUE((*transport)->Send(R"({"second":1})").ok());
  const std::string request = collector.last_request();
  EXPECT_EQ(request.rfind("POST /v1/traces HTTP/1.1\r\n", 0), 0u) << request;
  EXPECT_NE(request.find("Content-Type: application/json"), std::string::npos);
  EXPECT_NE(request.find(R"({"second":1})"), std::string::npos);
}

TEST(OtlpHttpTransportTest, ClassifiesFailures) {
  {
    FakeCollector collector(500);
    auto transport = OtlpHttpTransport::Create(collector.url(), absl::Seconds(5));
    ExportOutcome outcome = (*transport)->Send("{}");
    EXPECT_EQ(outcome.kind, ExportOutcome::Kind::kRejected);
    EXPECT_NE(outcome.message.find("HTTP 500"), std::string::npos) << outcome.message;
  }
  {
    FakeCollector collector(503);
    auto transport = OtlpHttpTransport::Create(collector.url(), absl::Seconds(5));
    EXPECT_EQ((*transport)->Send("{}").kind, ExportOutcome::Kind::kRetryable);
  }
  {
    FakeCollector collector(200, /*delay_ms=*/2000);
    auto transport = OtlpHttpTransport::Create(collector.url(), absl::Milliseconds(200));
    const auto start = std::chrono::steady_clock::now();
    ExportOutcome outcome = (*transport)->Send("{}");
    EXPECT_EQ(outcome.kind, ExportOutcome::Kind::kRetryable);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(1500));
  }
}

TEST(OtlpHttpTransportTest, NobodyListeningIsRetryable) {
  uint16_t port;
  {
    asio::io_context io;
    tcp::acceptor probe(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    port = probe.local_endpoint().port();
  }
  auto transport =
      OtlpHttpTransport::Create(absl::StrCat("http://127.0.0.1:", port), absl::Seconds(1));
  ExportOutcome outcome = (*transport)->Send("{}");
  EXPECT_EQ(outcome.kind, ExportOutcome::Kind::kRetryable);
  EXPECT_NE(outcome.message.find("connect"), std::string::npos) << outcome.message;
}

}  // namespace
}  // namespace sluice::trace
