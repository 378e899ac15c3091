// tools/examples/python_client.py against the real server binary: the example must keep
// working as the API evolves.
#include <gmock/gmock.h>

#include <chrono>

#include "tests/api/server_process.h"
#include "tests/api/status_matchers.h"
#include "tests/support/temp_dir.h"
#include "tests/api/test_client.h"
#include "tests/api/test_records.h"

namespace feedrank::api_test {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// The interpreter starts in well under a second; this bounds a hung example.
constexpr auto kExampleTimeout = std::chrono::seconds(60);

class PythonClientExample : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ =
        std::make_unique<ServerProcess>("127.0.0.1:0", scratch_.path() / "data", scratch_.path());
    address_ = server_->wait_until_listening();
    ASSERT_NE(address_, "") << server_->stderr_text();
  }

  // Runs the example with /usr/bin/python3 (Debian's grpcio and protobuf) and the message
  // classes the build generated; returns its stdout, failing the test unless it exits 0.
  std::string run_example() {
    const auto stderr_path = scratch_.path() / "python.stderr";
    ChildProcess example({FEEDRANK_PYTHON, FEEDRANK_SOURCE_DIR "/tools/examples/python_client.py",
                          "--server", address_},
                         {"PYTHONPATH=" FEEDRANK_PYTHON_STUBS_DIR}, stderr_path);
    EXPECT_TRUE(example.started()) << example.start_error();
    const auto output = example.read_rest(kExampleTimeout);
    const auto exit = example.wait_for_exit(std::chrono::seconds(5));
    EXPECT_TRUE(output && exit && exit->exited && exit->code == 0)
        << "the example failed or did not finish\nstdout:\n"
        << output.value_or("") << "\nstderr:\n"
        << read_file(stderr_path);
    return output.value_or("");
  }

  testing::TempDir scratch_;
  std::unique_ptr<ServerProcess> server_;
  std::string address_;
};

TEST_F(PythonClientExample, WritesAPostAndPrintsTheFeedThatShowsIt) {
  EXPECT_THAT(run_example(),
              AllOf(HasSubstr("posts: 1 created"), HasSubstr("post 900001 by user 900001"),
                    HasSubstr("Hello from the feedrank Python example #python")));

  // What it printed is what the server holds.
  TestClient client(address_);
  EXPECT_THAT(client.stats(), StatsAre(2, 1, 1, 0));
  EXPECT_THAT(post_ids(client.whole_feed(900002)), ElementsAre(900001));
}

TEST_F(PythonClientExample, ChangesNothingWhenRunTwice) {
  run_example();
  EXPECT_THAT(run_example(), AllOf(HasSubstr("users: 0 created, 0 updated"),
                                   HasSubstr("posts: 0 created, 1 already there"),
                                   HasSubstr("Hello from the feedrank Python example")));
}

}  // namespace
}  // namespace feedrank::api_test
