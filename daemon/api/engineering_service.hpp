// EngineeringService: bounded service runs of the needle drive outside sessions, the
// self-test built on them, and calibration (calibration_rpcs.cpp, calibration_desk.hpp).
#pragma once

#include <boost/asio/io_context.hpp>

#include "daemon/api/calibration_desk.hpp"
#include "daemon/api/command_port.hpp"
#include "daemon/api/gate.hpp"
#include "daemon/api/refused_stream.hpp"
#include "daemon/api/self_test.hpp"
#include "dermad/v1/engineering.grpc.pb.h"

namespace dermad::api {

class EngineeringService final : public v1::EngineeringService::CallbackService {
 public:
  EngineeringService(Gate& gate, CommandPort& port, boost::asio::io_context& io,
                     SelfTestRecord record, CalibrationDesk& desk, store::Store& records)
      : gate_(gate),
        port_(port),
        io_(io),
        record_(std::move(record)),
        desk_(desk),
        records_(records) {}

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

  grpc::ServerWriteReactor<v1::CalibrationProgress>* CalibrateDepth(
      grpc::CallbackServerContext* ctx, const v1::CalibrateDepthRequest* req) override;
  grpc::ServerWriteReactor<v1::CalibrationProgress>* CalibrateSpeed(
      grpc::CallbackServerContext* ctx, const v1::CalibrateSpeedRequest* req) override;
  grpc::ServerWriteReactor<v1::CalibrationProgress>* CalibrateSensors(
      grpc::CallbackServerContext* ctx, const v1::CalibrateSensorsRequest* req) override;
  grpc::ServerUnaryReactor* SubmitGaugeReading(grpc::CallbackServerContext* ctx,
                                               const v1::SubmitGaugeReadingRequest* req,
                                               v1::SubmitGaugeReadingResponse* resp) override;
  grpc::ServerUnaryReactor* AbortCalibration(grpc::CallbackServerContext* ctx,
                                             const v1::AbortCalibrationRequest* req,
                                             v1::AbortCalibrationResponse* resp) override;
  grpc::ServerUnaryReactor* GetStagedCalibration(grpc::CallbackServerContext* ctx,
                                                 const v1::GetStagedCalibrationRequest* req,
                                                 v1::Calibration* resp) override;
  grpc::ServerUnaryReactor* CommitCalibration(grpc::CallbackServerContext* ctx,
                                              const v1::CommitCalibrationRequest* req,
                                              v1::Calibration* resp) override;
  grpc::ServerUnaryReactor* DiscardCalibration(grpc::CallbackServerContext* ctx,
                                               const v1::DiscardCalibrationRequest* req,
                                               v1::DiscardCalibrationResponse* resp) override;
  grpc::ServerUnaryReactor* ListCalibrations(grpc::CallbackServerContext* ctx,
                                             const v1::ListCalibrationsRequest* req,
                                             v1::ListCalibrationsResponse* resp) override;

 private:
  // "unix uid 0 pid 42 (engineer)": who, for the records.
  std::string by(const grpc::CallbackServerContext* ctx) const;

  Gate& gate_;
  CommandPort& port_;
  boost::asio::io_context& io_;
  SelfTestRecord record_;
  CalibrationDesk& desk_;
  store::Store& records_;
};

}  // namespace dermad::api
