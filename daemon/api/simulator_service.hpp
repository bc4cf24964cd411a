// Simulator: scripted events on the simulated pen (served only with --sim).
#pragma once

#include "daemon/api/gate.hpp"
#include "dermad/v1/simulator.grpc.pb.h"
#include "hal/sim/sim_pen.hpp"

namespace dermad::api {

class SimulatorService final : public v1::Simulator::CallbackService {
 public:
  SimulatorService(Gate& gate, hal::sim::SimPen& pen) : gate_(gate), pen_(pen) {}

  grpc::ServerUnaryReactor* SetTrigger(grpc::CallbackServerContext* ctx,
                                       const v1::SetSwitchRequest* req, v1::SimAck*) override;
  grpc::ServerUnaryReactor* SetPedal(grpc::CallbackServerContext* ctx,
                                     const v1::SetSwitchRequest* req, v1::SimAck*) override;
  grpc::ServerUnaryReactor* SetEstop(grpc::CallbackServerContext* ctx,
                                     const v1::SetSwitchRequest* req, v1::SimAck*) override;
  grpc::ServerUnaryReactor* InsertCartridge(grpc::CallbackServerContext* ctx,
                                            const v1::InsertCartridgeRequest* req,
                                            v1::SimAck*) override;
  grpc::ServerUnaryReactor* RemoveCartridge(grpc::CallbackServerContext* ctx,
                                            const v1::RemoveCartridgeRequest* req,
                                            v1::SimAck*) override;
  grpc::ServerUnaryReactor* SetContactForce(grpc::CallbackServerContext* ctx,
                                            const v1::SetContactForceRequest* req,
                                            v1::SimAck*) override;
  grpc::ServerUnaryReactor* SetFault(grpc::CallbackServerContext* ctx,
                                     const v1::SetFaultRequest* req, v1::SimAck*) override;

 private:
  Gate& gate_;
  hal::sim::SimPen& pen_;
};

}  // namespace dermad::api
