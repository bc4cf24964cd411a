// The gRPC server: a unix socket always (its file's permissions guard it), TCP only when
// asked, with TLS.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

namespace dermad::api {

struct Endpoints {
  std::string socket_path;  // unix socket; required
  std::string listen;       // HOST:PORT, empty for none
  // PEM text for TLS on `listen`; empty cert: plaintext (only when asked for).
  std::string tls_cert, tls_key, tls_client_ca;
};

// Builds and starts the server with `services`. On failure returns null and says why.
// `tcp_port` is the port `listen` got (it may ask for 0).
std::unique_ptr<grpc::Server> start_server(const Endpoints& ep,
                                           const std::vector<grpc::Service*>& services,
                                           int& tcp_port, std::string& error);

}  // namespace dermad::api
