// How a server listens and a client connects: plaintext or TLS (mutual TLS with client
// certificates) from PEM files, through gRPC's own SSL credentials. Plaintext is for loopback
// only, unless the operator says --insecure.
#pragma once

#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace feedrank::api {

// Server side (feedrank-server's --tls-cert, --tls-key, --tls-client-ca, --insecure).
struct TransportSecurity {
  std::string tls_cert;       // PEM certificate chain; empty: plaintext
  std::string tls_key;        // PEM private key of tls_cert
  std::string tls_client_ca;  // PEM CA bundle; set: clients must present a certificate it signed
  bool insecure = false;      // plaintext on a non-loopback address is allowed (with a warning)
};

struct ListenCredentials {
  std::shared_ptr<grpc::ServerCredentials> credentials;
  std::string description;  // for the start-up log: "TLS with client certificates (CA ...)"
  std::string warning;      // non-empty: log it (plaintext off loopback under --insecure)
};

// 127.0.0.0/8, [::1], localhost and unix: sockets. An empty host or 0.0.0.0 is every interface.
bool is_loopback_address(std::string_view listen_address);

// The credentials to listen on `listen_address` with, or a one-line error: a flag given without
// its partner, an unreadable PEM file (naming the flag and file), or plaintext off loopback
// without --insecure.
absl::StatusOr<ListenCredentials> listen_credentials(std::string_view listen_address,
                                                     const TransportSecurity& security);

// Client side (the feedrank CLI's --tls-ca, --tls-cert, --tls-key).
struct ClientTls {
  std::string ca;    // PEM roots the server's certificate must chain to; empty: plaintext
  std::string cert;  // PEM client certificate chain, for servers that require one
  std::string key;   // its private key
};

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> channel_credentials(
    const ClientTls& tls);

}  // namespace feedrank::api
