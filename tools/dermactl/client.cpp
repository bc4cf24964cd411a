#include "tools/dermactl/client.hpp"

#include <filesystem>
#include <system_error>

namespace dermad::ctl {

namespace {

std::shared_ptr<grpc::Channel> make_channel(const std::string& uri) {
  grpc::ChannelArguments args;
  // gRPC's default first retry comes after 1 s; a daemon that is just starting should be
  // found well within the connect deadline.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 500);
  // TODO(tls): the tablet link uses TLS; service tools get credentials with it.
  return grpc::CreateCustomChannel(uri, grpc::InsecureChannelCredentials(), args);
}

}  // namespace

Client::Client(const GlobalOptions& g) {
  if (!g.target.empty()) {
    target_ = g.target;
  } else {
    socket_path_ = g.socket;
    target_ = "unix:" + g.socket;
  }
  channel_ = make_channel(target_);
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
  return {grpc::StatusCode::UNAVAILABLE,
          "no connection within " + std::to_string(kConnectTimeout.count()) + " s"};
}

}  // namespace dermad::ctl
