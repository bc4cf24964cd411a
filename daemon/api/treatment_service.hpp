// TreatmentService: protocols, screening and sessions. Translation and orchestration only:
// the rules live in daemon/treatment, the enforcement in the control loop.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <memory>

#include "daemon/api/command_port.hpp"
#include "daemon/treatment/protocols.hpp"
#include "daemon/treatment/session_book.hpp"
#include "dermad/v1/treatment.grpc.pb.h"
#include "hal/hal.hpp"

namespace dermad::api {

class TreatmentService final : public v1::TreatmentService::CallbackService {
 public:
  // Where session events go for the record: kind, session id, JSON details.
  using Recorder = std::function<void(const std::string&, const std::string&, const std::string&)>;

  TreatmentService(treatment::ProtocolSet protocols, CommandPort& port, hal::Hal& hal,
                   boost::asio::io_context& io, Recorder record);
  ~TreatmentService() override;

  grpc::ServerUnaryReactor* ListProtocols(grpc::CallbackServerContext* ctx,
                                          const v1::ListProtocolsRequest* req,
                                          v1::ListProtocolsResponse* resp) override;
  grpc::ServerUnaryReactor* ScreenPatient(grpc::CallbackServerContext* ctx,
                                          const v1::ScreenPatientRequest* req,
                                          v1::ScreenPatientResponse* resp) override;
  grpc::ServerUnaryReactor* StartSession(grpc::CallbackServerContext* ctx,
                                         const v1::StartSessionRequest* req,
                                         v1::StartSessionResponse* resp) override;
  grpc::ServerUnaryReactor* UpdateSession(grpc::CallbackServerContext* ctx,
                                          const v1::UpdateSessionRequest* req,
                                          v1::SessionInfo* resp) override;
  grpc::ServerUnaryReactor* EndSession(grpc::CallbackServerContext* ctx,
                                       const v1::EndSessionRequest* req,
                                       v1::SessionSummary* resp) override;
  grpc::ServerUnaryReactor* GetSession(grpc::CallbackServerContext* ctx,
                                       const v1::GetSessionRequest* req,
                                       v1::SessionSummary* resp) override;
  grpc::ServerWriteReactor<v1::SessionInfo>* Link(grpc::CallbackServerContext* ctx,
                                                  const v1::LinkRequest* req) override;

 private:
  void feed();  // the loop's snapshots into the active session's figures, every 20 ms
  int state() const;

  const treatment::ProtocolSet protocols_;
  CommandPort& port_;
  hal::Hal& hal_;
  boost::asio::io_context& io_;
  treatment::SessionBook book_;
  uint64_t cursor_ = 0;
  uint64_t next_id_ = 1;
  std::shared_ptr<boost::asio::steady_timer> feeder_;
  Recorder record_;
};

}  // namespace dermad::api
