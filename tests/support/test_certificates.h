// Throwaway PEM certificates for TLS tests, made with the openssl command: a CA, a server
// certificate for 127.0.0.1 and localhost, a client certificate from the same CA, and a client
// certificate from another CA (one the server must refuse).
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace feedrank::testing {

struct TestCertificates {
  std::filesystem::path ca;           // the CA's certificate
  std::filesystem::path server_cert;  // SAN IP:127.0.0.1, DNS:localhost
  std::filesystem::path server_key;
  std::filesystem::path client_cert;  // signed by `ca`
  std::filesystem::path client_key;
  std::filesystem::path stranger_cert;  // signed by a CA the server does not know
  std::filesystem::path stranger_key;
};

// Writes them under `dir`; nullopt with `why` when openssl is missing or fails.
std::optional<TestCertificates> make_test_certificates(const std::filesystem::path& dir,
                                                       std::string& why);

}  // namespace feedrank::testing
