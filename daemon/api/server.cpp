#include "daemon/api/server.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace dermad::api {

namespace {

// The socket's folder must exist; a stale socket from a killed daemon is replaced, but
// any other file at that path is left alone and reported.
bool prepare_socket_path(const std::string& path, std::string& error) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path p(path);
  if (p.has_parent_path()) fs::create_directories(p.parent_path(), ec);
  if (ec) {
    error = "cannot create " + p.parent_path().string() + ": " + ec.message();
    return false;
  }
  struct stat st {};
  if (lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) {
      error = path + " exists and is not a socket";
      return false;
    }
    if (unlink(path.c_str()) != 0) {
      error = "cannot remove stale socket " + path + ": " + std::strerror(errno);
      return false;
    }
  }
  return true;
}

}  // namespace

std::unique_ptr<grpc::Server> start_server(const Endpoints& ep,
                                           const std::vector<grpc::Service*>& services,
                                           std::string& error) {
  if (!prepare_socket_path(ep.socket_path, error)) return nullptr;
  grpc::ServerBuilder b;
  b.AddListeningPort("unix:" + ep.socket_path, grpc::InsecureServerCredentials());
  int tcp_port = 0;
  if (!ep.listen.empty()) {
    b.AddListeningPort(ep.listen, grpc::InsecureServerCredentials(), &tcp_port);
  }
  for (auto* s : services) b.RegisterService(s);
  auto server = b.BuildAndStart();
  if (!server) {
    error =
        "cannot listen on unix:" + ep.socket_path + (ep.listen.empty() ? "" : " and " + ep.listen);
    return nullptr;
  }
  if (!ep.listen.empty() && tcp_port == 0) {
    error = "cannot listen on " + ep.listen;
    server->Shutdown();
    return nullptr;
  }
  return server;
}

}  // namespace dermad::api
