// Simulator: scripted events on the simulated pen (served only with --sim).
#pragma once

#include <boost/asio/io_context.hpp>

#include "daemon/api/gate.hpp"
#include "daemon/cartridge_cache.hpp"
#include "dermad/v1/simulator.grpc.pb.h"
#include "hal/sim/sim_pen.hpp"

namespace dermad::api {

class SimulatorService final : public v1::Simulator::CallbackService {
 public:
  // InsertCartridge answers once the I/O side has read the simulated EEPROM into `cartridges`
  // (waiting on `io`), so a client may start a session the moment it returns.
  SimulatorService(Gate& gate, hal::sim::SimPen& pen, const CartridgeCache& cartridges,
                   boost::asio::io_context& io)
      : gate_(gate), pen_(pen), cartridges_(cartridges), io_(io) {}

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
  grpc::ServerUnaryReactor* SetErrors(grpc::CallbackServerContext* ctx,
                                      const v1::SetErrorsRequest* req,
                                      v1::SimErrors* resp) override;
  grpc::ServerUnaryReactor* ReadGauge(grpc::CallbackServerContext* ctx,
                                      const v1::ReadGaugeRequest* req,
                                      v1::GaugeReading* resp) override;

 private:
  Gate& gate_;
  void answer_when_read(grpc::ServerUnaryReactor* r, uint64_t after, int polls_left);

  hal::sim::SimPen& pen_;
  const CartridgeCache& cartridges_;
  boost::asio::io_context& io_;
};

}  // namespace dermad::api
