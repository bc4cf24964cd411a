// The gRPC server: a unix socket always (accepted by dermad, so each caller's credentials
// give its role), TCP only when asked, with TLS (the client certificate gives the role).
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

#include "daemon/api/gate.hpp"
#include "daemon/api/unix_acceptor.hpp"

namespace dermad::api {

struct Endpoints {
  std::string socket_path;  // unix socket; required
  std::string listen;       // HOST:PORT, empty for none
  // PEM text for TLS on `listen`; empty cert: plaintext (only when asked for).
  std::string tls_cert, tls_key, tls_client_ca;
};

// Builds and starts the server with `services`, the unix socket accepted by `unix_socket`
// with each caller's role given to `gate`. On failure returns null and says why.
// `tcp_port` is the port `listen` got (it may ask for 0).
std::unique_ptr<grpc::Server> start_server(const Endpoints& ep,
                                           const std::vector<grpc::Service*>& services,
                                           UnixAcceptor& unix_socket, Gate& gate, int& tcp_port,
                                           std::string& error);

// The health service's answer for the whole server ("") and each of `service_names`
// (e.g. "dermad.v1.DeviceService").
void set_serving(grpc::Server& server, const std::vector<std::string>& service_names, bool serving);

}  // namespace dermad::api
