#include "tests/support/test_certificates.h"

#include <chrono>
#include <fstream>
#include <vector>

#include "tests/support/child_process.h"

namespace feedrank::testing {
namespace {

constexpr const char* kOpenssl = "/usr/bin/openssl";

// Runs openssl with `args`; "" on success, else what it said.
std::string openssl(const std::filesystem::path& dir, std::vector<std::string> args) {
  args.insert(args.begin(), kOpenssl);
  const auto log = dir / "openssl.log";
  ChildProcess child(args, {}, log);
  if (!child.started()) return child.start_error();
  const auto status = child.wait_for_exit(std::chrono::seconds(60));
  if (status && status->exited && status->code == 0) return "";
  return "openssl " + args[1] + " failed: " + read_file(log);
}

// A P-256 key (quick to make, and gRPC takes it) and a certificate for `subject`: self-signed
// when `issuer` is empty, else signed by issuer(.pem, .key) with the extensions in `extensions`.
std::string make_certificate(const std::filesystem::path& dir, const std::string& name,
                             const std::string& subject, const std::string& issuer,
                             const std::string& extensions) {
  const std::string base = (dir / name).string();
  if (issuer.empty()) {
    return openssl(dir, {"req", "-x509", "-newkey", "ec", "-pkeyopt",
                         "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", base + ".key", "-out",
                         base + ".pem", "-days", "2", "-subj", subject});
  }
  if (auto error = openssl(dir, {"req", "-new", "-newkey", "ec", "-pkeyopt",
                                 "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
                                 base + ".key", "-out", base + ".csr", "-subj", subject});
      !error.empty()) {
    return error;
  }
  std::ofstream(base + ".ext") << extensions << "\n";
  const std::string ca = (dir / issuer).string();
  return openssl(dir, {"x509", "-req", "-in", base + ".csr", "-CA", ca + ".pem", "-CAkey",
                       ca + ".key", "-CAcreateserial", "-out", base + ".pem", "-days", "2",
                       "-extfile", base + ".ext"});
}

}  // namespace

std::optional<TestCertificates> make_test_certificates(const std::filesystem::path& dir,
                                                       std::string& why) {
  if (!std::filesystem::exists(kOpenssl)) {
    why = std::string(kOpenssl) + " is missing (Debian package openssl)";
    return std::nullopt;
  }
  const std::string client_extensions = "extendedKeyUsage=clientAuth";
  for (const auto& error : {
           make_certificate(dir, "ca", "/CN=feedrank test CA", "", ""),
           make_certificate(dir, "server", "/CN=localhost", "ca",
                            "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                            "extendedKeyUsage=serverAuth"),
           make_certificate(dir, "client", "/CN=feedrank test client", "ca", client_extensions),
           make_certificate(dir, "stranger-ca", "/CN=another CA", "", ""),
           make_certificate(dir, "stranger", "/CN=stranger", "stranger-ca", client_extensions),
       }) {
    if (!error.empty()) {
      why = error;
      return std::nullopt;
    }
  }
  return TestCertificates{dir / "ca.pem",     dir / "server.pem",   dir / "server.key",
                          dir / "client.pem", dir / "client.key",   dir / "stranger.pem",
                          dir / "stranger.key"};
}

}  // namespace feedrank::testing
