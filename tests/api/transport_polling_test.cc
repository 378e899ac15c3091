// The server reads its sockets at all times. gRPC 1.51 polls them only from its callback queue's
// two threads, which sleep 100 ms after a second without an event on that queue; without
// api/serving/poller_keep_alive.h the server heard nothing for 100 ms of every 1.1 s while only
// synchronous calls came, and for up to 100 ms after a quiet second. The server runs as a process
// of its own: a client in the same process polls the server's sockets itself while it waits for
// a reply, and hides the pauses.
#include <gmock/gmock.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "tests/api/server_process.h"
#include "tests/api/test_client.h"
#include "tests/api/test_records.h"
#include "tests/support/temp_dir.h"

namespace feedrank::api_test {
namespace {

using Clock = std::chrono::steady_clock;

class TransportPolling : public ::testing::Test {
 protected:
  void SetUp() override {
    address_ = server_.wait_until_listening();
    ASSERT_NE(address_, "") << server_.stderr_text();
    client_ = std::make_unique<TestClient>(address_);
  }

  TestClient& client() { return *client_; }

 private:
  testing::TempDir scratch_;
  ServerProcess server_{"127.0.0.1:0", scratch_.path() / "data", scratch_.path()};
  std::string address_;
  std::unique_ptr<TestClient> client_;
};

TEST_F(TransportPolling, SynchronousCallsAreHeardWhileNoCallbackCallComes) {
  // 3.5 s of back-to-back GetStats calls (synchronous) and no callback call: with the pauses,
  // three of them wait most of 100 ms, one at each pause. A call that long on loopback is
  // otherwise a rare scheduling hiccup: one is forgiven.
  constexpr auto kHeld = std::chrono::milliseconds(80);
  int calls = 0;
  int held_calls = 0;
  for (const auto end = Clock::now() + std::chrono::milliseconds(3500); Clock::now() < end;
       ++calls) {
    const auto start = Clock::now();
    ASSERT_TRUE(client().call(v1::GetStatsRequest()).status.ok());
    if (Clock::now() - start >= kHeld) ++held_calls;
  }
  EXPECT_GT(calls, 35);  // at least one call every 100 ms, so that each pause would be met
  EXPECT_LE(held_calls, 1) << "of " << calls << " calls";
}

TEST_F(TransportPolling, ACallbackCallAfterAQuietSecondIsHeardAtOnce) {
  ASSERT_TRUE(client().upsert_users({user(1)}).status.ok());
  // Each page 1.02 s after the last reply: with the pauses it arrives while both callback-queue
  // threads sleep (from 1.0 s to 1.1 s after the queue's last event) and waits about 80 ms.
  constexpr auto kHeld = std::chrono::milliseconds(50);
  constexpr int kPages = 4;
  int held_pages = 0;
  for (int page = 0; page < kPages; ++page) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1020));
    const auto start = Clock::now();
    ASSERT_TRUE(client().get_feed(1).status.ok());
    if (Clock::now() - start >= kHeld) ++held_pages;
  }
  EXPECT_LE(held_pages, 1) << "of " << kPages << " pages";
}

}  // namespace
}  // namespace feedrank::api_test
