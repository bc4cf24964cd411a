// The gRPC server: a unix socket always, TCP only when asked.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

namespace dermad::api {

struct Endpoints {
  std::string socket_path;  // unix socket; required
  std::string listen;       // HOST:PORT, empty for none
};

// Builds and starts the server with `services`. On failure returns null and says why.
std::unique_ptr<grpc::Server> start_server(const Endpoints& ep,
                                           const std::vector<grpc::Service*>& services,
                                           std::string& error);

}  // namespace dermad::api
