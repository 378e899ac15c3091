// The fixture of the in-process integration tests: a FeedServer on an ephemeral loopback port
// with a fresh data directory, and a client on a real gRPC channel to it.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>

#include "api/server.h"
#include "tests/api/test_client.h"
#include "tests/support/temp_dir.h"

namespace feedrank::api_test {

class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override { start_server(); }
  void TearDown() override { stop_server(); }

  // Shuts the server down (closing its store) and starts a new one on the same data directory,
  // on a new port; client() then talks to the new one.
  void restart_server();

  // Options of every start (a fixture may set more than the address and data directory).
  virtual void configure(api::ServerOptions&) {}

  TestClient& client() { return *client_; }
  // Viewer 1 follows 2 and 3, who wrote posts 10..15; 4 wrote 16 and 17; 1 liked 16. Posts are
  // created at 1,010..1,017 ms.
  void load_small_network();
  api::FeedServer& server() { return *server_; }
  const std::string& address() const { return server_->address(); }
  const std::filesystem::path& data_dir() const { return data_dir_.path(); }

 private:
  void start_server();
  void stop_server();

  testing::TempDir data_dir_;
  std::unique_ptr<api::FeedServer> server_;
  std::unique_ptr<TestClient> client_;
};

}  // namespace feedrank::api_test
