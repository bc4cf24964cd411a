// TreatmentService: protocols, screening and sessions. Translation only: the rules and the
// sessions' sequencing live in daemon/treatment, the enforcement in the control loop.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <memory>

#include "daemon/api/command_port.hpp"
#include "daemon/api/gate.hpp"
#include "daemon/api/session_adapters.hpp"
#include "daemon/cartridge_cache.hpp"
#include "daemon/store/journal.hpp"
#include "daemon/store/pending_endings.hpp"
#include "daemon/store/store.hpp"
#include "daemon/treatment/protocols.hpp"
#include "daemon/treatment/sessions.hpp"
#include "dermad/v1/device.pb.h"
#include "dermad/v1/treatment.grpc.pb.h"
#include "hal/hal.hpp"

namespace dermad::api {

class TreatmentService final : public v1::TreatmentService::CallbackService {
 public:
  TreatmentService(Gate& gate, treatment::ProtocolSet protocols, CommandPort& port,
                   const CartridgeCache& cartridges, boost::asio::io_context& io,
                   store::Store& records, store::Journal& journal, store::PendingEndings& endings,
                   const calibration::CalibrationBook& calibrations);
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
  grpc::ServerUnaryReactor* ResumeSession(grpc::CallbackServerContext* ctx,
                                          const v1::ResumeSessionRequest* req,
                                          v1::SessionInfo* resp) override;
  grpc::ServerUnaryReactor* EndSession(grpc::CallbackServerContext* ctx,
                                       const v1::EndSessionRequest* req,
                                       v1::SessionSummary* resp) override;
  grpc::ServerUnaryReactor* GetSession(grpc::CallbackServerContext* ctx,
                                       const v1::GetSessionRequest* req,
                                       v1::SessionSummary* resp) override;
  grpc::ServerUnaryReactor* ListSessions(grpc::CallbackServerContext* ctx,
                                         const v1::ListSessionsRequest* req,
                                         v1::ListSessionsResponse* resp) override;
  grpc::ServerBidiReactor<v1::LinkBeat, v1::SessionInfo>* Link(
      grpc::CallbackServerContext* ctx) override;

  // The active session as the status shows it; false while none is.
  bool active_session(v1::ActiveSession& out);

  // The daemon is stopping: open links end UNAVAILABLE within one state period.
  void stopping() { stopping_.store(true); }

  // The daemon is stopping: an active session is recorded as aborted, with `reason`; endings
  // that still wait are tried once more.
  void abort_active(const std::string& reason);

 private:
  // The loop's snapshots into the active session's figures every 20 ms; its summary, and
  // endings that are still waiting, into the records once a second.
  void feed();
  v1::State state() const;

  Gate& gate_;
  const treatment::ProtocolSet protocols_;
  CommandPort& port_;
  LoopAdapter loop_;
  SessionRecords session_records_;
  treatment::SystemSessionClock clock_;
  treatment::Sessions sessions_;
  uint64_t cursor_ = 0;
  int feeds_ = 0;
  std::atomic<bool> stopping_{false};
  boost::asio::io_context& io_;
  std::shared_ptr<boost::asio::steady_timer> feeder_;
};

}  // namespace dermad::api
