// The real feedrank-server on a data directory it cannot write: read-only or full at start (one
// line naming the directory and the cause, non-zero exit), and full during writes (the caller
// gets UNAVAILABLE or RESOURCE_EXHAUSTED, the server keeps serving, and once there is room again
// nothing acknowledged is lost and nothing refused is there). "Full" without mounting a small
// file system: the server runs under prlimit's RLIMIT_FSIZE with SIGXFSZ ignored, so writes past
// the limit fail with EFBIG as they would with ENOSPC on a full disk.
#include <gmock/gmock.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "tests/api/server_process.h"
#include "tests/api/test_client.h"
#include "tests/api/test_records.h"
#include "tests/support/temp_dir.h"

namespace feedrank::api_test {
namespace {

using ::testing::AllOf;
using ::testing::AnyOf;
using ::testing::HasSubstr;
using ::testing::Optional;

constexpr const char* kPrlimit = "/usr/bin/prlimit";
constexpr const char* kSetpriv = "/usr/bin/setpriv";

MATCHER(ExitedWithFailure, "exited by itself with a non-zero code") {
  *result_listener << (arg.exited ? "exit code " : "signal ") << arg.code;
  return arg.exited && arg.code != 0;
}

MATCHER(IsOneLine, "is one line") {
  return !arg.empty() && std::count(arg.begin(), arg.end(), '\n') == 1 && arg.back() == '\n';
}

// Runs the server with files limited to `bytes`.
std::vector<std::string> file_size_limit(std::size_t bytes) {
  return {kPrlimit, "--fsize=" + std::to_string(bytes), "--"};
}

class FaultDisk : public ::testing::Test {
 protected:
  void SetUp() override {
    // Inherited through spawn and exec: a write past RLIMIT_FSIZE fails instead of killing.
    previous_xfsz_ = ::signal(SIGXFSZ, SIG_IGN);
  }
  void TearDown() override { ::signal(SIGXFSZ, previous_xfsz_); }

  // Makes a store in `dir` with one user and one post, then stops its server.
  void make_store(const std::filesystem::path& dir) {
    ServerProcess server("127.0.0.1:0", dir, scratch_.path());
    const std::string address = server.wait_until_listening();
    ASSERT_NE(address, "") << server.stderr_text();
    TestClient client(address);
    ASSERT_TRUE(client.upsert_users({user(1)}).status.ok());
    ASSERT_TRUE(client.create_posts({post(10, 1, 1000)}).status.ok());
    ASSERT_THAT(server.stop(SIGTERM), Optional(::testing::Field(&ExitStatus::exited, true)));
  }

  // The server's one-line refusal to start on `dir`.
  std::string refusal(const std::filesystem::path& dir, const std::vector<std::string>& launcher) {
    ServerProcess server("127.0.0.1:0", dir, scratch_.path(), {}, launcher);
    EXPECT_THAT(server.wait_for_exit(), Optional(ExitedWithFailure()));
    const std::string error = server.stderr_text();
    EXPECT_THAT(error, IsOneLine()) << error;
    return error;
  }

  testing::TempDir scratch_;
  sighandler_t previous_xfsz_ = SIG_DFL;
};

TEST_F(FaultDisk, AReadOnlyDataDirectoryExitsWithOneLineNamingItAndTheCause) {
  // Root writes through permission bits: run the server without the capabilities that allow it.
  std::vector<std::string> launcher;
  if (::geteuid() == 0) {
    if (!std::filesystem::exists(kSetpriv)) GTEST_SKIP() << kSetpriv << " missing (util-linux)";
    launcher = {kSetpriv, "--inh-caps=-all",
                "--bounding-set=-dac_override,-dac_read_search,-fowner", "--"};
  }
  const auto empty = scratch_.path() / "empty";
  std::filesystem::create_directories(empty);
  const auto existing = scratch_.path() / "existing";
  ASSERT_NO_FATAL_FAILURE(make_store(existing));
  for (const auto& dir : {empty, existing}) {
    SCOPED_TRACE(dir.string());
    for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
      std::filesystem::permissions(entry.path(), std::filesystem::perms::owner_write,
                                   std::filesystem::perm_options::remove);
    }
    std::filesystem::permissions(dir, std::filesystem::perms::owner_write,
                                 std::filesystem::perm_options::remove);
    EXPECT_THAT(refusal(dir, launcher),
                AllOf(HasSubstr(dir.string()), HasSubstr("not writable"),
                      HasSubstr("Permission denied")));
    std::filesystem::permissions(dir, std::filesystem::perms::owner_write,
                                 std::filesystem::perm_options::add);
  }
  // The refused start left the existing store as it was.
  ServerProcess again("127.0.0.1:0", existing, scratch_.path());
  const std::string address = again.wait_until_listening();
  ASSERT_NE(address, "") << again.stderr_text();
  EXPECT_EQ(TestClient(address).stats().posts(), 1u);
}

TEST_F(FaultDisk, AFullDataDirectoryExitsWithOneLineNamingItAndTheCause) {
  if (!std::filesystem::exists(kPrlimit)) GTEST_SKIP() << kPrlimit << " missing (util-linux)";
  const auto fresh = scratch_.path() / "fresh";
  const auto existing = scratch_.path() / "existing";
  ASSERT_NO_FATAL_FAILURE(make_store(existing));
  for (const auto& dir : {fresh, existing}) {
    SCOPED_TRACE(dir.string());
    // Room for the one-line error on stderr, not for a store.
    EXPECT_THAT(refusal(dir, file_size_limit(16 << 10)),
                AllOf(HasSubstr(dir.string()), HasSubstr("File too large")));
  }
}

TEST_F(FaultDisk, AFullDiskDuringWritesFailsTheCallAndLosesNothingAcknowledged) {
  if (!std::filesystem::exists(kPrlimit)) GTEST_SKIP() << kPrlimit << " missing (util-linux)";
  const auto data_dir = scratch_.path() / "data";
  std::set<std::uint64_t> acknowledged;
  std::set<std::uint64_t> refused;
  {
    ServerProcess server("127.0.0.1:0", data_dir, scratch_.path(), {},
                         file_size_limit(1 << 20));
    const std::string address = server.wait_until_listening();
    ASSERT_NE(address, "") << server.stderr_text();
    TestClient client(address);
    ASSERT_TRUE(client.upsert_users({user(1)}).status.ok());
    // Batches of 50 posts (about 35 KB in the write-ahead log) until the log cannot grow.
    grpc::Status failure;
    for (std::uint64_t batch = 0; batch < 200 && failure.ok(); ++batch) {
      std::vector<v1::Post> posts;
      for (std::uint64_t id = batch * 50 + 100; id < batch * 50 + 150; ++id) {
        posts.push_back(post(id, 1, static_cast<std::int64_t>(id)));
      }
      failure = client.create_posts(posts).status;
      for (const auto& p : posts) (failure.ok() ? acknowledged : refused).insert(p.id());
    }
    ASSERT_FALSE(failure.ok()) << "200 batches fit under the file size limit";
    EXPECT_THAT(failure.error_code(),
                AnyOf(grpc::StatusCode::UNAVAILABLE, grpc::StatusCode::RESOURCE_EXHAUSTED));
    EXPECT_THAT(failure.error_message(),
                AllOf(HasSubstr("nothing of it was stored"), HasSubstr("File too large")));
    EXPECT_FALSE(acknowledged.empty());

    // Still serving, and serving what was acknowledged: the refused batch is not in memory either.
    EXPECT_EQ(client.stats().posts(), acknowledged.size());
    EXPECT_EQ(client.get_feed(1, 10).status.error_code(), grpc::StatusCode::OK);
    EXPECT_THAT(server.stop(SIGTERM), Optional(::testing::Field(&ExitStatus::exited, true)));
  }
  // Room again: a restart without the limit holds exactly the acknowledged posts, and writes.
  ServerProcess server("127.0.0.1:0", data_dir, scratch_.path());
  const std::string address = server.wait_until_listening();
  ASSERT_NE(address, "") << server.stderr_text();
  TestClient client(address);
  const auto recovered = post_ids(client.whole_feed(1, 500));
  EXPECT_EQ(std::set<std::uint64_t>(recovered.begin(), recovered.end()), acknowledged);
  EXPECT_EQ(recovered.size(), acknowledged.size());
  EXPECT_TRUE(client.create_posts({post(*refused.begin(), 1, 5)}).status.ok());
}

}  // namespace
}  // namespace feedrank::api_test
