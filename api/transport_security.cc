#include "api/transport_security.h"

#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>

#include "fmt/format.h"

namespace feedrank::api {
namespace {

// The file's contents, or "FLAG: cannot read FILE: REASON".
absl::StatusOr<std::string> read_pem(std::string_view flag, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::FailedPreconditionError(
        fmt::format("{}: cannot read {}: {}", flag, path, std::strerror(errno)));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (text.str().find("-----BEGIN ") == std::string::npos) {
    return absl::InvalidArgumentError(fmt::format("{}: {} is not a PEM file", flag, path));
  }
  return text.str();
}

// The host of HOST:PORT, [HOST]:PORT or HOST (brackets removed).
std::string_view host_of(std::string_view address) {
  if (address.starts_with("[")) {
    const auto close = address.find(']');
    return close == std::string_view::npos ? address.substr(1) : address.substr(1, close - 1);
  }
  const auto colon = address.rfind(':');
  return colon == std::string_view::npos ? address : address.substr(0, colon);
}

absl::Status both_or_neither(std::string_view cert_flag, const std::string& cert,
                             std::string_view key_flag, const std::string& key) {
  if (cert.empty() == key.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(fmt::format("{} needs {} as well", cert.empty() ? key_flag : cert_flag,
                                                cert.empty() ? cert_flag : key_flag));
}

// gRPC reads the PEM files only when it binds a port, so a key that does not match its
// certificate showed as "cannot listen" after the store had opened. A throw-away bind on a free
// loopback port checks them first. Its one (generic, callback) service is what lets it start: a
// server with none is refused whatever the credentials.
bool binds_on_loopback(const std::shared_ptr<grpc::ServerCredentials>& credentials) {
  grpc::CallbackGenericService nothing_served;
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", credentials, &port);
  builder.RegisterCallbackGenericService(&nothing_served);
  const std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) return false;
  server->Shutdown(std::chrono::system_clock::now());  // a call that raced in is cancelled
  return true;
}

}  // namespace

bool is_loopback_address(std::string_view listen_address) {
  if (listen_address.starts_with("unix:") || listen_address.starts_with("unix-abstract:")) {
    return true;
  }
  const std::string host(host_of(listen_address));
  // 127.0.0.0/8 as an address, not any name that starts so ("127.0.0.1.example.com" resolves
  // wherever its owner wants).
  in_addr ipv4{};
  return host == "localhost" || host == "::1" ||
         (inet_pton(AF_INET, host.c_str(), &ipv4) == 1 && (ntohl(ipv4.s_addr) >> 24) == 127);
}

absl::StatusOr<ListenCredentials> listen_credentials(std::string_view listen_address,
                                                     const TransportSecurity& security) {
  if (auto status = both_or_neither("--tls-cert", security.tls_cert, "--tls-key", security.tls_key);
      !status.ok()) {
    return status;
  }
  ListenCredentials out;
  if (security.tls_cert.empty()) {
    if (!security.tls_client_ca.empty()) {
      return absl::InvalidArgumentError("--tls-client-ca needs --tls-cert and --tls-key");
    }
    if (!is_loopback_address(listen_address)) {
      if (!security.insecure) {
        return absl::FailedPreconditionError(fmt::format(
            "--listen {} is not a loopback address: serve it with TLS (--tls-cert and "
            "--tls-key) or pass --insecure to accept plaintext",
            listen_address));
      }
      out.warning = fmt::format(
          "--insecure: plaintext on {}, which is not loopback: anyone on the network can read "
          "and forge calls",
          listen_address);
    }
    out.credentials = grpc::InsecureServerCredentials();
    out.description = "plaintext";
    return out;
  }
  grpc::SslServerCredentialsOptions options;
  grpc::SslServerCredentialsOptions::PemKeyCertPair pair;
  auto cert = read_pem("--tls-cert", security.tls_cert);
  if (!cert.ok()) return cert.status();
  auto key = read_pem("--tls-key", security.tls_key);
  if (!key.ok()) return key.status();
  pair.cert_chain = std::move(*cert);
  pair.private_key = std::move(*key);
  options.pem_key_cert_pairs.push_back(std::move(pair));
  if (security.tls_client_ca.empty()) {
    options.client_certificate_request = GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE;
    out.description = fmt::format("TLS (certificate {})", security.tls_cert);
  } else {
    auto roots = read_pem("--tls-client-ca", security.tls_client_ca);
    if (!roots.ok()) return roots.status();
    options.pem_root_certs = std::move(*roots);
    options.client_certificate_request =
        GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
    out.description = fmt::format("mutual TLS (certificate {}, client certificates signed by {})",
                                  security.tls_cert, security.tls_client_ca);
  }
  out.credentials = grpc::SslServerCredentials(options);
  if (!binds_on_loopback(out.credentials)) {
    return absl::InvalidArgumentError(fmt::format(
        "--tls-cert {} / --tls-key {}{}: gRPC could not serve TLS with them on a loopback test "
        "port (not PEM, or a key that does not match the certificate?)",
        security.tls_cert, security.tls_key,
        security.tls_client_ca.empty() ? "" : " / --tls-client-ca " + security.tls_client_ca));
  }
  return out;
}

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> channel_credentials(
    const ClientTls& tls) {
  if (auto status = both_or_neither("--tls-cert", tls.cert, "--tls-key", tls.key); !status.ok()) {
    return status;
  }
  if (tls.ca.empty()) {
    if (!tls.cert.empty()) return absl::InvalidArgumentError("--tls-cert needs --tls-ca as well");
    return grpc::InsecureChannelCredentials();
  }
  grpc::SslCredentialsOptions options;
  auto roots = read_pem("--tls-ca", tls.ca);
  if (!roots.ok()) return roots.status();
  options.pem_root_certs = std::move(*roots);
  if (!tls.cert.empty()) {
    auto cert = read_pem("--tls-cert", tls.cert);
    if (!cert.ok()) return cert.status();
    auto key = read_pem("--tls-key", tls.key);
    if (!key.ok()) return key.status();
    options.pem_cert_chain = std::move(*cert);
    options.pem_private_key = std::move(*key);
  }
  return grpc::SslCredentials(options);
}

}  // namespace feedrank::api
