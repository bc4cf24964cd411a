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

std::shared_ptr<grpc::ServerCredentials> tcp_credentials(const Endpoints& ep) {
  if (ep.tls_cert.empty()) return grpc::InsecureServerCredentials();
  grpc::SslServerCredentialsOptions o(
      ep.tls_client_ca.empty() ? GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE
                               : GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  o.pem_root_certs = ep.tls_client_ca;
  o.pem_key_cert_pairs.push_back({ep.tls_key, ep.tls_cert});
  return grpc::SslServerCredentials(o);
}

}  // namespace

std::unique_ptr<grpc::Server> start_server(const Endpoints& ep,
                                           const std::vector<grpc::Service*>& services,
                                           int& tcp_port, std::string& error) {
  if (!prepare_socket_path(ep.socket_path, error)) return nullptr;
  grpc::ServerBuilder b;
  b.AddListeningPort("unix:" + ep.socket_path, grpc::InsecureServerCredentials());
  tcp_port = 0;
  if (!ep.listen.empty()) {
    b.AddListeningPort(ep.listen, tcp_credentials(ep), &tcp_port);
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
