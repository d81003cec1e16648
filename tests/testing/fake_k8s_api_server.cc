#include "testing/fake_k8s_api_server.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <sys/socket.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <vector>
#include <sstream>

namespace sluice::testing {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

std::string StatusJson(int code, const std::string& reason, const std::string& message) {
  std::ostringstream out;
  out << R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":")"
      << message << R"(","reason":")" << reason << R"(","code":)" << code << "}";
  return out.str();
}

// The query parameter `name` of `target`, undecoded except %3D, %2C and %2F.
std::string QueryParam(const std::string& target, const std::string& name) {
  const size_t q = target.find('?');
  if (q == std::string::npos) return "";
  std::istringstream query(target.substr(q + 1));
  for (std::string pair; std::getline(query, pair, '&');) {
    if (pair.rfind(name + "=", 0) != 0) continue;
    std::string value = pair.substr(name.size() + 1), decoded;
    for (size_t i = 0; i < value.size(); ++i) {
      if (value[i] == '%' && i + 2 < value.size()) {
        decoded.push_back(static_cast<char>(std::stoi(value.substr(i + 1, 2), nullptr, 16)));
        i += 2;
      } else {
        decoded.push_back(value[i]);
      }
    }
    return decoded;
  }
  return "";
}

// Whether object `json`'s labels satisfy an equality selector "k=v,k2=v2".
bool Matches(const std::string& json, const std::string& selector) {
  rapidjson::Document doc;
  doc.Parse(json.c_str());
  const auto& metadata = doc["metadata"];
  std::istringstream terms(selector);
  for (std::string term; std::getline(terms, term, ',');) {
    const size_t eq = term.find('=');
    if (eq == std::string::npos) return false;
    const std::string key = term.substr(0, eq), value = term.substr(eq + 1);
    if (!metadata.HasMember("labels") || !metadata["labels"].HasMember(key.c_str()) ||
        metadata["labels"][key.c_str()].GetString() != value) {
      return false;
    }
  }
  return true;
}

std::string WithVersion(const std::string& json, long version, std::string* name) {
  rapidjson::Document doc;
  doc.Parse(json.c_str());
  auto& metadata = doc["metadata"];
  *name = metadata["name"].GetString();
  const std::string text = std::to_string(version);
  rapidjson::Value value(text.c_str(), static_cast<rapidjson::SizeType>(text.size()),
                         doc.GetAllocator());
  if (metadata.HasMember("resourceVersion")) {
    metadata["resourceVersion"] = value;
  } else {
    metadata.AddMember("resourceVersion", value, doc.GetAllocator());
  }
  rapidjson::StringBuffer out;
  rapidjson::Writer<rapidjson::StringBuffer> writer(out);
  doc.Accept(writer);
  return out.GetString();
}

bool IsSlices(const std::string& collection) {
  return collection.size() >= 15 &&
         collection.compare(collection.size() - 15, 15, "/endpointslices") == 0;
}

}  // namespace

struct FakeK8sApiServer::Impl {
  asio::io_context ioc;
  ssl::context tls{ssl::context::tls_server};
  tcp::acceptor acceptor{ioc};
};

FakeK8sApiServer::FakeK8sApiServer(Options options)
    : options_(std::move(options)), impl_(std::make_unique<Impl>()) {
  impl_->tls.use_certificate_chain_file(options_.cert_file);
  impl_->tls.use_private_key_file(options_.key_file, ssl::context::pem);
  tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), 0);
  impl_->acceptor.open(endpoint.protocol());
  impl_->acceptor.set_option(tcp::acceptor::reuse_address(true));
  impl_->acceptor.bind(endpoint);
  impl_->acceptor.listen();
  port_ = impl_->acceptor.local_endpoint().port();
  accept_thread_ = std::thread([this] { AcceptLoop(); });
}

FakeK8sApiServer::~FakeK8sApiServer() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    for (int fd : connections_) ::shutdown(fd, SHUT_RDWR);
  }
  changed_.notify_all();
  ::shutdown(impl_->acceptor.native_handle(), SHUT_RDWR);
  accept_thread_.join();
  for (auto& thread : threads_) thread.join();
}

void FakeK8sApiServer::AcceptLoop() {
  for (;;) {
    beast::error_code ec;
    tcp::socket socket(impl_->ioc);
    impl_->acceptor.accept(socket, ec);
    std::lock_guard<std::mutex> lock(mu_);
    if (ec || stopping_) return;
    const int fd = socket.release();
    connections_.push_back(fd);
    threads_.emplace_back([this, fd] { Serve(fd); });
  }
}

void FakeK8sApiServer::Serve(int fd) {
  beast::ssl_stream<tcp::socket> stream(tcp::socket(impl_->ioc, tcp::v4(), fd), impl_->tls);
  struct Forget {  // destroyed before `stream` closes fd, so the number is not reused meanwhile
    FakeK8sApiServer& server;
    int fd;
    ~Forget() {
      std::lock_guard<std::mutex> lock(server.mu_);
      std::erase(server.connections_, fd);
    }
  } forget{*this, fd};
  beast::error_code ec;
  stream.handshake(ssl::stream_base::server, ec);
  if (ec) return;
  beast::flat_buffer buffer;
  for (;;) {
    http::request<http::string_body> request;
    http::read(stream, buffer, request, ec);
    if (ec) return;
    const std::string target(request.target());
    const std::string collection = target.substr(0, target.find('?'));
    auto answer = [&](int status, const std::string& body) {
      http::response<http::string_body> response{static_cast<http::status>(status), 11};
      response.set(http::field::content_type, "application/json");
      response.body() = body;
      response.prepare_payload();
      http::write(stream, response, ec);
    };
    std::unique_lock<std::mutex> lock(mu_);
    requests_.push_back(target);
    if (request[http::field::authorization] != "Bearer " + options_.token) {
      lock.unlock();
      answer(401, StatusJson(401, "Unauthorized", "Unauthorized"));
      continue;
    }
    if (fail_count_ > 0) {
      --fail_count_;
      const int status = fail_status_;
      lock.unlock();
      answer(status, StatusJson(status, "InternalError", "injected failure"));
      continue;
    }
    const std::string selector = QueryParam(target, "labelSelector");
    if (QueryParam(target, "watch") != "true") {
      std::ostringstream list;
      list << R"({"kind":")" << (IsSlices(collection) ? "EndpointSliceList" : "PodList")
           << R"(","apiVersion":")" << (IsSlices(collection) ? "discovery.k8s.io/v1" : "v1")
           << R"(","metadata":{"resourceVersion":")" << version_ << R"("},"items":)";
      bool first = true;
      for (const auto& [name, json] : objects_[collection]) {
        if (!Matches(json, selector)) continue;
        list << (first ? "[" : ",") << json;
        first = false;
      }
      list << (first ? "null}" : "]}");  // an empty list's items are null, as the real server
      lock.unlock();
      answer(200, list.str());
      continue;
    }

    // A watch.
    const long from = std::stol("0" + QueryParam(target, "resourceVersion"));
    const std::string timeout_text = QueryParam(target, "timeoutSeconds");
    const auto end = std::chrono::steady_clock::now() +
                     std::chrono::seconds(timeout_text.empty() ? 3600 : std::stol(timeout_text));
    const bool gone = from < compacted_;
    if (end_watches_at_once_) {
      lock.unlock();
      answer(200, "");
      continue;
    }
    if (gone && gone_as_http_) {
      lock.unlock();
      answer(410, StatusJson(410, "Expired", "too old resource version: " +
                                                 std::to_string(from) + " (" +
                                                 std::to_string(compacted_) + ")"));
      continue;
    }
    http::response<http::empty_body> header{http::status::ok, 11};
    header.set(http::field::content_type, "application/json");
    header.chunked(true);
    http::response_serializer<http::empty_body> serializer(header);
    lock.unlock();
    http::write_header(stream, serializer, ec);
    if (ec) return;
    lock.lock();
    auto send = [&](const std::string& line) {  // each line in two chunks
      lock.unlock();
      const size_t half = line.size() / 2;
      asio::write(stream, http::make_chunk(asio::buffer(line.data(), half)), ec);
      if (!ec) asio::write(stream, http::make_chunk(asio::buffer(line.data() + half,
                                                                 line.size() - half)), ec);
      lock.lock();
      return !ec;
    };
    if (gone) {
      send(R"({"type":"ERROR","object":)" +
           StatusJson(410, "Expired", "too old resource version: " + std::to_string(from) +
                                          " (" + std::to_string(compacted_) + ")") +
           "}\n");
      lock.unlock();
      asio::write(stream, http::make_chunk_last(), ec);
      continue;
    }
    ++open_watches_;
    const long drops = drops_;
    long bookmarks = bookmarks_;
    long sent = from;
    bool dropped = false, ok = true;
    while (ok) {
      for (size_t i = 0; ok && i < events_.size(); ++i) {
        const Event& event = events_[i];
        if (event.version <= sent || event.collection != collection) continue;
        sent = event.version;
        if (!Matches(event.object, selector)) continue;
        const std::string line = event.line;  // send() unlocks; events_ may grow meanwhile
        ok = send(line);
      }
      if (!ok) break;
      if (bookmarks != bookmarks_) {
        bookmarks = bookmarks_;
        ok = send(std::string(R"({"type":"BOOKMARK","object":{"kind":")") +
                  (IsSlices(collection) ? "EndpointSlice" : "Pod") +
                  R"(","metadata":{"resourceVersion":")" + std::to_string(version_) + "\"}}}\n");
        continue;
      }
      if (stopping_ || drops_ != drops) {
        dropped = true;
        break;
      }
      if (changed_.wait_until(lock, end) == std::cv_status::timeout) break;
    }
    --open_watches_;
    lock.unlock();
    if (dropped || !ok) {
      beast::error_code ignored;
      stream.next_layer().shutdown(tcp::socket::shutdown_both, ignored);
      return;
    }
    asio::write(stream, http::make_chunk_last(), ec);  // timeoutSeconds passed
    if (ec) return;
  }
}

void FakeK8sApiServer::Record(const std::string& collection, const std::string& type,
                              const std::string& json) {
  events_.push_back({version_, collection, json,
                     R"({"type":")" + type + R"(","object":)" + json + "}\n"});
  changed_.notify_all();
}

void FakeK8sApiServer::Put(const std::string& collection, const std::string& json) {
  std::lock_guard<std::mutex> lock(mu_);
  std::string name;
  const std::string versioned = WithVersion(json, ++version_, &name);
  auto& objects = objects_[collection];
  const bool exists = objects.count(name) > 0;
  objects[name] = versioned;
  Record(collection, exists ? "MODIFIED" : "ADDED", versioned);
}

void FakeK8sApiServer::Delete(const std::string& collection, const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& objects = objects_[collection];
  auto it = objects.find(name);
  if (it == objects.end()) return;
  std::string ignored;
  const std::string versioned = WithVersion(it->second, ++version_, &ignored);
  objects.erase(it);
  Record(collection, "DELETED", versioned);
}

void FakeK8sApiServer::Bookmark() {
  std::lock_guard<std::mutex> lock(mu_);
  ++bookmarks_;
  changed_.notify_all();
}

void FakeK8sApiServer::Compact(bool as_http_status) {
  std::lock_guard<std::mutex> lock(mu_);
  compacted_ = version_;  // a watch from the current version (a fresh list's) is still valid
  gone_as_http_ = as_http_status;
  events_.clear();
}

void FakeK8sApiServer::DropWatches() {
  std::lock_guard<std::mutex> lock(mu_);
  ++drops_;
  changed_.notify_all();
}

void FakeK8sApiServer::FailNext(int count, int status) {
  std::lock_guard<std::mutex> lock(mu_);
  fail_count_ = count;
  fail_status_ = status;
}

void FakeK8sApiServer::EndWatchesAtOnce(bool on) {
  std::lock_guard<std::mutex> lock(mu_);
  end_watches_at_once_ = on;
}

std::vector<std::string> FakeK8sApiServer::Requests() const {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_;
}

int FakeK8sApiServer::OpenWatches() const {
  std::lock_guard<std::mutex> lock(mu_);
  return open_watches_;
}

std::string FakeK8sApiServer::EndpointSliceJson(
    const std::string& name, const std::string& service,
    const std::vector<std::pair<std::string, bool>>& endpoints) {
  std::ostringstream out;
  out << R"({"kind":"EndpointSlice","apiVersion":"discovery.k8s.io/v1","metadata":{"name":")"
      << name << R"(","generateName":")" << service
      << R"(-","namespace":"default","uid":"5d1c0a3e-7a51-4b8e-9a0c-)" << name.size()
      << R"(","generation":1,"creationTimestamp":"2024-03-01T10:00:00Z","labels":{"app":")"
      << service << R"(","endpointslice.kubernetes.io/managed-by":)"
      << R"("endpointslice-controller.k8s.io","kubernetes.io/service-name":")" << service
      << R"("},"ownerReferences":[{"apiVersion":"v1","kind":"Service","name":")" << service
      << R"(","uid":"0b5e","controller":true,"blockOwnerDeletion":true}]},"addressType":"IPv4",)"
      << R"("endpoints":)";
  if (endpoints.empty()) out << "null";  // as the real server sends an empty slice
  for (size_t i = 0; i < endpoints.size(); ++i) {
    const auto& [ip, ready] = endpoints[i];
    out << (i == 0 ? "[" : ",") << R"({"addresses":[")" << ip << R"("],"conditions":{"ready":)"
        << (ready ? "true" : "false") << R"(,"serving":)" << (ready ? "true" : "false")
        << R"(,"terminating":false},"targetRef":{"kind":"Pod","namespace":"default","name":")"
        << service << "-" << i << R"("},"nodeName":"node-)" << i << R"("})";
  }
  if (!endpoints.empty()) out << "]";
  out << R"(,"ports":[{"name":"grpc","protocol":"TCP","port":1051}]})";
  return out.str();
}

std::string FakeK8sApiServer::PodJson(const std::string& name, const std::string& app,
                                      const std::string& ip, bool ready) {
  std::ostringstream out;
  out << R"({"kind":"Pod","apiVersion":"v1","metadata":{"name":")" << name
      << R"(","namespace":"default","labels":{"app":")" << app
      << R"("}},"spec":{"containers":[{"name":"sluice","image":"sluice:0.1.0"}]},)"
      << R"("status":{"phase":"Running","hostIP":"172.18.0.2","podIP":")" << ip
      << R"(","podIPs":[{"ip":")" << ip << R"("}],"conditions":[{"type":"Ready","status":")"
      << (ready ? "True" : "False") << R"("}],"containerStatuses":[{"name":"sluice","ready":)"
      << (ready ? "true" : "false")
      << R"(,"restartCount":0,"started":true,"state":{"running":{"startedAt":)"
      << R"("2024-03-01T10:00:05Z"}},"image":"sluice:0.1.0","containerID":"containerd://9f"}]}})";
  return out.str();
}

}  // namespace sluice::testing
