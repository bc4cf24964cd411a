#include "daemon/api/server.hpp"

#include "daemon/api/input_bounds.hpp"

#include <grpcpp/ext/proto_server_reflection_plugin.h>

namespace dermad::api {

namespace {

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
                                           UnixAcceptor& unix_socket, Gate& gate, int& tcp_port,
                                           std::string& error) {
  if (!unix_socket.listen(ep.socket_path, error)) return nullptr;
  // The standard health service and server reflection on every listener, so generic tools
  // (grpc_health_probe, grpcurl, an app's health check) work without dermad's proto files.
  // Both answer anyone who may connect: they tell nothing the API's documents do not.
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder b;
  // Bounded input: a larger request is refused by gRPC itself (RESOURCE_EXHAUSTED).
  b.SetMaxReceiveMessageSize(static_cast<int>(kMaxMessageBytes));
  tcp_port = 0;
  if (!ep.listen.empty()) {
    b.AddListeningPort(ep.listen, tcp_credentials(ep), &tcp_port);
  }
  for (auto* s : services) b.RegisterService(s);
  auto server = b.BuildAndStart();
  if (!server) {
    error = "cannot start the gRPC server" + (ep.listen.empty() ? "" : " on " + ep.listen);
    return nullptr;
  }
  if (!ep.listen.empty() && tcp_port == 0) {
    error = "cannot listen on " + ep.listen;
    server->Shutdown();
    return nullptr;
  }
  // Not serving until the daemon says so (the pen homes first).
  if (auto* health = server->GetHealthCheckService()) health->SetServingStatus("", false);
  unix_socket.start(*server, gate);
  return server;
}

void set_serving(grpc::Server& server, const std::vector<std::string>& service_names,
                 bool serving) {
  auto* health = server.GetHealthCheckService();
  if (health == nullptr) return;
  health->SetServingStatus("", serving);
  for (const auto& name : service_names) health->SetServingStatus(name, serving);
}

}  // namespace dermad::api
