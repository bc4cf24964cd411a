// The unix socket, accepted by dermad itself so that each connection's peer credentials
// (SO_PEERCRED) are known before gRPC sees a byte of it: the gate gives the connection its
// role, then the connection is handed to the gRPC server (which knows it as "fd:N").
#pragma once

#include <grpcpp/grpcpp.h>

#include <string>
#include <thread>

#include "daemon/api/gate.hpp"

namespace dermad::api {

class UnixAcceptor {
 public:
  UnixAcceptor() = default;
  UnixAcceptor(const UnixAcceptor&) = delete;
  UnixAcceptor& operator=(const UnixAcceptor&) = delete;
  ~UnixAcceptor();

  // Binds and listens on `path` (a stale socket there is replaced; any other file is left
  // alone and reported). Mode 0666: every local user may connect; the gate decides what
  // each may do.
  bool listen(const std::string& path, std::string& error);
  // Accepts on a thread of its own until stop().
  void start(grpc::Server& server, Gate& gate);
  void stop();

 private:
  void run(grpc::Server& server, Gate& gate);

  int fd_ = -1;
  int wake_[2] = {-1, -1};
  std::thread thread_;
};

}  // namespace dermad::api
