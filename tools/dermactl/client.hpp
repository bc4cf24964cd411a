// The connection to dermad: channel, stubs, and the deadlines every call observes.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <string>

#include "dermad/v1/device.grpc.pb.h"
#include "dermad/v1/engineering.grpc.pb.h"
#include "dermad/v1/log.grpc.pb.h"
#include "dermad/v1/simulator.grpc.pb.h"
#include "dermad/v1/treatment.grpc.pb.h"
#include "tools/dermactl/args.hpp"

namespace dermad::ctl {

// An absent daemon must fail fast (exit 4) instead of hanging a script.
inline constexpr std::chrono::seconds kConnectTimeout{3};
inline constexpr std::chrono::seconds kUnaryTimeout{5};

class Client {
 public:
  explicit Client(const GlobalOptions& g);

  // How the user named dermad, for messages: "unix:/path" or "host:port".
  const std::string& target() const { return target_; }

  // Waits for the channel to be up; UNAVAILABLE with a reason when it is not within
  // kConnectTimeout.
  grpc::Status connect();

  // Connects, then runs call(context) with the unary deadline set on context.
  template <class Call>
  grpc::Status unary(Call&& call) {
    if (grpc::Status st = connect(); !st.ok()) return st;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + kUnaryTimeout);
    return call(&context);
  }

  v1::DeviceService::Stub& device() { return *device_; }
  v1::EngineeringService::Stub& engineering() { return *engineering_; }
  v1::Simulator::Stub& simulator() { return *simulator_; }
  v1::TreatmentService::Stub& treatment() { return *treatment_; }
  v1::LogService::Stub& log() { return *log_; }

 private:
  std::string target_;
  std::string socket_path_;  // empty over TCP
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::DeviceService::Stub> device_;
  std::unique_ptr<v1::EngineeringService::Stub> engineering_;
  std::unique_ptr<v1::Simulator::Stub> simulator_;
  std::unique_ptr<v1::TreatmentService::Stub> treatment_;
  std::unique_ptr<v1::LogService::Stub> log_;
};

}  // namespace dermad::ctl
