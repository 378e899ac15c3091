// Transport security of the real feedrank-server: TLS and mutual TLS from PEM files (made by
// openssl for each test), over real sockets; plaintext only on loopback unless --insecure.
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <optional>

#include "api/transport_security.h"
#include "feedrank/v1/feedrank.grpc.pb.h"
#include "tests/api/server_process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_certificates.h"

namespace feedrank::api_test {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Optional;

MATCHER(ExitedWithFailure, "exited by itself with a non-zero code") {
  *result_listener << (arg.exited ? "exit code " : "signal ") << arg.code;
  return arg.exited && arg.code != 0;
}

MATCHER(IsOneLine, "is one line") {
  return !arg.empty() && std::count(arg.begin(), arg.end(), '\n') == 1 && arg.back() == '\n';
}

class Tls : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    certificates_ = testing::make_test_certificates(scratch_.path(), why);
    if (!certificates_) GTEST_SKIP() << "no test certificates: " << why;
  }

  // A server with the given transport flags; its address, or "" (with a test failure).
  std::string start(std::vector<std::string> flags) {
    server_ = std::make_unique<ServerProcess>("127.0.0.1:0", scratch_.path() / "data",
                                              scratch_.path(), std::move(flags));
    const std::string address = server_->wait_until_listening();
    EXPECT_NE(address, "") << server_->stderr_text();
    return address;
  }

  std::vector<std::string> tls_flags() const {
    return {"--tls-cert", certificates_->server_cert.string(), "--tls-key",
            certificates_->server_key.string()};
  }
  std::vector<std::string> mutual_tls_flags() const {
    auto flags = tls_flags();
    flags.insert(flags.end(), {"--tls-client-ca", certificates_->ca.string()});
    return flags;
  }

  // GetStats over a channel with `tls` (no CA: plaintext).
  static grpc::Status get_stats(const std::string& address, const api::ClientTls& tls) {
    auto credentials = api::channel_credentials(tls);
    if (!credentials.ok()) {
      return grpc::Status(grpc::StatusCode::INTERNAL, std::string(credentials.status().message()));
    }
    auto stub = v1::FeedRank::NewStub(grpc::CreateChannel(address, *credentials));
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    v1::GetStatsResponse response;
    return stub->GetStats(&context, v1::GetStatsRequest(), &response);
  }

  api::ClientTls server_only() const { return {certificates_->ca.string(), "", ""}; }
  api::ClientTls with_client_certificate() const {
    return {certificates_->ca.string(), certificates_->client_cert.string(),
            certificates_->client_key.string()};
  }
  api::ClientTls with_stranger_certificate() const {
    return {certificates_->ca.string(), certificates_->stranger_cert.string(),
            certificates_->stranger_key.string()};
  }

  testing::TempDir scratch_;
  std::optional<testing::TestCertificates> certificates_;
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(Tls, AClientTrustingTheCaIsServedAndAPlaintextClientIsNot) {
  const std::string address = start(tls_flags());
  ASSERT_NE(address, "");
  EXPECT_THAT(server_->startup_output(), HasSubstr("transport: TLS"));
  EXPECT_TRUE(get_stats(address, server_only()).ok()) << get_stats(address, server_only()).error_message();
  EXPECT_EQ(get_stats(address, api::ClientTls{}).error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(Tls, MutualTlsServesOnlyClientsWithACertificateFromItsCa) {
  const std::string address = start(mutual_tls_flags());
  ASSERT_NE(address, "");
  EXPECT_THAT(server_->startup_output(), HasSubstr("transport: mutual TLS"));
  const grpc::Status valid = get_stats(address, with_client_certificate());
  EXPECT_TRUE(valid.ok()) << valid.error_message();
  EXPECT_EQ(get_stats(address, server_only()).error_code(), grpc::StatusCode::UNAVAILABLE)
      << "no client certificate";
  EXPECT_EQ(get_stats(address, with_stranger_certificate()).error_code(),
            grpc::StatusCode::UNAVAILABLE)
      << "a certificate from another CA";
  EXPECT_EQ(get_stats(address, api::ClientTls{}).error_code(), grpc::StatusCode::UNAVAILABLE)
      << "plaintext";
  // Refused clients leave the server serving.
  EXPECT_TRUE(get_stats(address, with_client_certificate()).ok());
}

TEST_F(Tls, TheCliTalksToAMutualTlsServerWithItsTlsFlags) {
  const std::string address = start(mutual_tls_flags());
  ASSERT_NE(address, "");
  const auto run_cli = [&](std::vector<std::string> tls_args) {
    std::vector<std::string> args = {FEEDRANK_CLI_BIN, "--server", address};
    args.insert(args.end(), tls_args.begin(), tls_args.end());
    args.push_back("stats");
    testing::ChildProcess cli(args, {}, scratch_.path() / "cli.stderr");
    const auto output = cli.read_rest(std::chrono::seconds(30));
    const auto status = cli.wait_for_exit(std::chrono::seconds(30));
    return std::pair(status && status->exited ? status->code : -1, output.value_or(""));
  };
  const auto [code, output] =
      run_cli({"--tls-ca", certificates_->ca.string(), "--tls-cert",
               certificates_->client_cert.string(), "--tls-key", certificates_->client_key.string()});
  EXPECT_EQ(code, 0) << testing::read_file(scratch_.path() / "cli.stderr");
  EXPECT_THAT(output, HasSubstr("users"));

  const auto [refused, unused] = run_cli({"--tls-ca", certificates_->ca.string()});
  EXPECT_EQ(refused, 1);
  EXPECT_THAT(testing::read_file(scratch_.path() / "cli.stderr"), HasSubstr("UNAVAILABLE"));

  const auto [missing, nothing] = run_cli({"--tls-ca", (scratch_.path() / "nope.pem").string()});
  EXPECT_EQ(missing, 1);
  EXPECT_THAT(testing::read_file(scratch_.path() / "cli.stderr"),
              AllOf(HasSubstr("--tls-ca"), HasSubstr("nope.pem")));
}

TEST_F(Tls, AnUnreadablePemFileExitsWithOneLineNamingTheFlagAndFile) {
  const auto missing = scratch_.path() / "missing-key.pem";
  ServerProcess server("127.0.0.1:0", scratch_.path() / "data", scratch_.path(),
                       {"--tls-cert", certificates_->server_cert.string(), "--tls-key",
                        missing.string()});
  EXPECT_THAT(server.wait_for_exit(), Optional(ExitedWithFailure()));
  const std::string error = server.stderr_text();
  EXPECT_THAT(error, IsOneLine()) << error;
  EXPECT_THAT(error, AllOf(HasSubstr("--tls-key"), HasSubstr(missing.string())));
  EXPECT_FALSE(std::filesystem::exists(scratch_.path() / "data"));  // refused before opening it
}

// gRPC reads the PEM files only when it binds: a key that is not the certificate's was found
// after the store had opened and reported as "cannot listen", naming neither flag.
TEST_F(Tls, AKeyThatIsNotTheCertificatesIsRefusedBeforeTheStoreOpens) {
  ServerProcess server("127.0.0.1:0", scratch_.path() / "data", scratch_.path(),
                       {"--tls-cert", certificates_->server_cert.string(), "--tls-key",
                        certificates_->client_key.string()});
  EXPECT_THAT(server.wait_for_exit(), Optional(ExitedWithFailure()));
  const std::string error = server.stderr_text();
  EXPECT_THAT(error, AllOf(HasSubstr("--tls-key"), HasSubstr(certificates_->client_key.string()),
                           HasSubstr("does not match")));
  EXPECT_THAT(error, Not(HasSubstr("cannot listen")));
  EXPECT_FALSE(std::filesystem::exists(scratch_.path() / "data"));
}

// Needs no certificates: not in the fixture, so it runs where openssl is missing.
TEST(TransportRule, PlaintextOffLoopbackIsRefusedUnlessInsecureWhichWarns) {
  testing::TempDir scratch;
  {
    ServerProcess refused("0.0.0.0:0", scratch.path() / "data", scratch.path());
    EXPECT_THAT(refused.wait_for_exit(), Optional(ExitedWithFailure()));
    const std::string error = refused.stderr_text();
    EXPECT_THAT(error, IsOneLine()) << error;
    EXPECT_THAT(error, AllOf(HasSubstr("0.0.0.0:0"), HasSubstr("--tls-cert"),
                             HasSubstr("--insecure")));
  }
  ServerProcess insecure("0.0.0.0:0", scratch.path() / "data", scratch.path(), {"--insecure"});
  const std::string address = insecure.wait_until_listening();
  ASSERT_NE(address, "") << insecure.stderr_text();
  EXPECT_THAT(insecure.startup_output(), AllOf(HasSubstr("warn"), HasSubstr("--insecure")));
  const std::string port = address.substr(address.rfind(':') + 1);
  auto stub = v1::FeedRank::NewStub(
      grpc::CreateChannel("127.0.0.1:" + port, grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  v1::GetStatsResponse response;
  EXPECT_TRUE(stub->GetStats(&context, v1::GetStatsRequest(), &response).ok());
}

// A Unix socket is served and reported as given (it was "unix:1": gRPC's port for a socket).
TEST(TransportRule, AUnixSocketIsServedAndReportedAsGiven) {
  testing::TempDir scratch;
  const std::string socket = "unix:" + (scratch.path() / "feedrank.sock").string();
  ServerProcess server(socket, scratch.path() / "data", scratch.path());
  const std::string address = server.wait_until_listening();
  ASSERT_EQ(address, socket) << server.stderr_text();
  auto stub =
      v1::FeedRank::NewStub(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  v1::GetStatsResponse response;
  const grpc::Status status = stub->GetStats(&context, v1::GetStatsRequest(), &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
}

TEST(TransportRule, LoopbackAddressesAreTheLoopbackInterfaceOnly) {
  for (const char* loopback : {"127.0.0.1:50051", "127.1.2.3:0", "[::1]:50051", "localhost:1",
                               "unix:/tmp/feedrank.sock"}) {
    EXPECT_TRUE(api::is_loopback_address(loopback)) << loopback;
  }
  for (const char* other : {"0.0.0.0:50051", "[::]:50051", ":50051", "10.0.0.5:50051",
                            "example.com:443", "128.0.0.1:1", "127.0.0.1.example.com:80",
                            "127.evil:1"}) {
    EXPECT_FALSE(api::is_loopback_address(other)) << other;
  }
}

}  // namespace
}  // namespace feedrank::api_test
