#include "tests/api/test_server.h"

namespace feedrank::api_test {

void ApiTest::start_server() {
  api::ServerOptions options;
  options.listen_address = "127.0.0.1:0";
  options.data_dir = data_dir_.path().string();
  configure(options);
  auto server = api::FeedServer::start(options);
  ASSERT_TRUE(server.ok()) << "FeedServer::start: " << server.status();
  server_ = std::move(*server);
  client_ = std::make_unique<TestClient>(server_->address());
}

void ApiTest::stop_server() {
  client_.reset();
  server_.reset();  // shuts down and closes the store, releasing its lock
}

void ApiTest::restart_server() {
  stop_server();
  start_server();
}

}  // namespace feedrank::api_test
