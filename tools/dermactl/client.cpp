#include "tools/dermactl/client.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

namespace dermad::ctl {

namespace {

std::string read_pem(const std::string& path, const char* option) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  if (ss.str().find("-----BEGIN ") == std::string::npos) {
    throw UsageError(std::string("cannot read PEM from ") + option + " " + path, "");
  }
  return ss.str();
}

std::shared_ptr<grpc::ChannelCredentials> credentials(const GlobalOptions& g) {
  if (g.tls_ca.empty()) return grpc::InsecureChannelCredentials();
  grpc::SslCredentialsOptions o;
  o.pem_root_certs = read_pem(g.tls_ca, "--tls-ca");
  if (!g.tls_cert.empty()) {
    o.pem_cert_chain = read_pem(g.tls_cert, "--tls-cert");
    o.pem_private_key = read_pem(g.tls_key, "--tls-key");
  }
  return grpc::SslCredentials(o);
}

std::shared_ptr<grpc::Channel> make_channel(const std::string& uri, const GlobalOptions& g) {
  grpc::ChannelArguments args;
  if (!g.tls_server_name.empty()) args.SetSslTargetNameOverride(g.tls_server_name);
  // gRPC's default first retry comes after 1 s; a daemon that is just starting should be
  // found well within the connect deadline.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 500);
  return grpc::CreateCustomChannel(uri, credentials(g), args);
}

}  // namespace

Client::Client(const GlobalOptions& g) {
  if (!g.target.empty()) {
    target_ = g.target;
  } else {
    socket_path_ = g.socket;
    target_ = "unix:" + g.socket;
  }
  channel_ = make_channel(target_, g);
  device_ = v1::DeviceService::NewStub(channel_);
  engineering_ = v1::EngineeringService::NewStub(channel_);
  simulator_ = v1::Simulator::NewStub(channel_);
  treatment_ = v1::TreatmentService::NewStub(channel_);
  log_ = v1::LogService::NewStub(channel_);
}

grpc::Status Client::connect() {
  // No socket file, no daemon: say so at once rather than after the whole deadline. (No
  // "; " in these messages: JSON output splits messages on it into reasons.)
  std::error_code ec;
  if (!socket_path_.empty() && !std::filesystem::exists(socket_path_, ec)) {
    return {grpc::StatusCode::UNAVAILABLE,
            "no socket at " + socket_path_ + " (is dermad running?)"};
  }
  if (channel_->WaitForConnected(std::chrono::system_clock::now() + kConnectTimeout)) {
    return grpc::Status::OK;
  }
  std::string why = "no connection within " + std::to_string(kConnectTimeout.count()) + " s";
  if (socket_path_.empty()) {
    why += " (is dermad listening there, and do its TLS settings match --tls-ca, --tls-cert?)";
  }
  return {grpc::StatusCode::UNAVAILABLE, why};
}

}  // namespace dermad::ctl
