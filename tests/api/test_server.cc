#include "tests/api/test_server.h"

#include <chrono>

#include "tests/api/status_matchers.h"
#include "tests/api/test_records.h"

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
  // Connected before the test's first call: once, on the loaded 2-core VM, that call's only
  // connection attempt failed ("failed to connect to all addresses"), and so did the call.
  ASSERT_TRUE(client_->wait_connected(std::chrono::seconds(10)))
      << "no connection to the test server at " << server_->address();
}

void ApiTest::load_small_network() {
  ASSERT_THAT(client().upsert_users({user(1), user(2), user(3), user(4)}).status, IsOk());
  std::vector<v1::Post> posts;
  for (std::uint64_t id = 10; id < 18; ++id) {
    posts.push_back(post(id, id < 16 ? 2 + id % 2 : 4, 1000 + static_cast<std::int64_t>(id)));
  }
  ASSERT_THAT(client().create_posts(posts).status, IsOk());
  ASSERT_THAT(client().follow({edge(1, 2), edge(1, 3)}).status, IsOk());
  ASSERT_THAT(client().record_engagements({engagement(1, 16)}).status, IsOk());
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
