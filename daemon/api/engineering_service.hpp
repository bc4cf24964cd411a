// EngineeringService: bounded service runs of the needle drive outside sessions.
#pragma once

#include "daemon/api/command_port.hpp"
#include "dermad/v1/engineering.grpc.pb.h"

namespace dermad::api {

class EngineeringService final : public v1::EngineeringService::CallbackService {
 public:
  explicit EngineeringService(CommandPort& port) : port_(port) {}

  grpc::ServerUnaryReactor* Jog(grpc::CallbackServerContext* ctx, const v1::JogRequest* req,
                                v1::JogResponse* resp) override;

 private:
  CommandPort& port_;
};

}  // namespace dermad::api
