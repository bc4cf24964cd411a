// EngineeringService: bounded service runs of the needle drive outside sessions, and the
// self-test built on them.
#pragma once

#include <boost/asio/io_context.hpp>

#include "daemon/api/command_port.hpp"
#include "daemon/api/gate.hpp"
#include "daemon/api/refused_stream.hpp"
#include "daemon/api/self_test.hpp"
#include "dermad/v1/engineering.grpc.pb.h"

namespace dermad::api {

class EngineeringService final : public v1::EngineeringService::CallbackService {
 public:
  EngineeringService(Gate& gate, CommandPort& port, boost::asio::io_context& io,
                     SelfTestRecord record)
      : gate_(gate), port_(port), io_(io), record_(std::move(record)) {}

  grpc::ServerUnaryReactor* Jog(grpc::CallbackServerContext* ctx, const v1::JogRequest* req,
                                v1::JogResponse* resp) override;
  grpc::ServerUnaryReactor* StopServiceRun(grpc::CallbackServerContext* ctx,
                                           const v1::StopServiceRunRequest* req,
                                           v1::StopServiceRunResponse* resp) override;
  grpc::ServerWriteReactor<v1::SelfTestStep>* SelfTest(grpc::CallbackServerContext* ctx,
                                                       const v1::SelfTestRequest* req) override {
    Gate::Ticket ticket;
    if (auto refused = gate_.admit_stream(ctx, "EngineeringService.SelfTest", req, ticket)) {
      return refused_stream<v1::SelfTestStep>(*refused);
    }
    return start_self_test(port_, io_, record_, std::move(ticket));
  }

 private:
  Gate& gate_;
  CommandPort& port_;
  boost::asio::io_context& io_;
  SelfTestRecord record_;
};

}  // namespace dermad::api
