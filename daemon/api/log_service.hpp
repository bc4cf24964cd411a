// LogService: the event log from a cursor, following new events if asked; its check; the
// device counters.
#pragma once

#include <boost/asio/io_context.hpp>

#include <functional>

#include "daemon/api/gate.hpp"
#include "daemon/api/records_trust.hpp"
#include "daemon/store/journal.hpp"
#include "daemon/store/store.hpp"
#include "dermad/v1/log.grpc.pb.h"

namespace dermad::api {

class LogService final : public v1::LogService::CallbackService {
 public:
  LogService(Gate& gate, store::Store& store, boost::asio::io_context& io, RecordsTrust& trust,
             store::Journal& journal)
      : gate_(gate), store_(store), io_(io), trust_(trust), journal_(journal) {}

  grpc::ServerWriteReactor<v1::LogEvent>* ReadEvents(grpc::CallbackServerContext* ctx,
                                                     const v1::ReadEventsRequest* req) override;
  grpc::ServerUnaryReactor* VerifyLog(grpc::CallbackServerContext* ctx,
                                      const v1::VerifyLogRequest* req,
                                      v1::VerifyLogResponse* resp) override;
  grpc::ServerUnaryReactor* GetCounters(grpc::CallbackServerContext* ctx,
                                        const v1::GetCountersRequest* req,
                                        v1::Counters* resp) override;
  grpc::ServerUnaryReactor* GetRecordsInfo(grpc::CallbackServerContext* ctx,
                                           const v1::GetRecordsInfoRequest* req,
                                           v1::RecordsInfo* resp) override;
  grpc::ServerUnaryReactor* ListAlarms(grpc::CallbackServerContext* ctx,
                                       const v1::ListAlarmsRequest* req,
                                       v1::ListAlarmsResponse* resp) override;
  grpc::ServerUnaryReactor* ListCartridges(grpc::CallbackServerContext* ctx,
                                           const v1::ListCartridgesRequest* req,
                                           v1::ListCartridgesResponse* resp) override;
  grpc::ServerUnaryReactor* AcceptRecords(grpc::CallbackServerContext* ctx,
                                          const v1::AcceptRecordsRequest* req,
                                          v1::AcceptRecordsResponse* resp) override;
  grpc::ServerUnaryReactor* GetFleetStatus(grpc::CallbackServerContext* ctx,
                                           const v1::GetFleetStatusRequest* req,
                                           v1::FleetStatus* resp) override;

  // The fleet uploader's status, when dermad has one (daemon/fleet).
  void fleet_status_from(std::function<v1::FleetStatus()> source) {
    fleet_status_ = std::move(source);
  }

 private:
  Gate& gate_;
  store::Store& store_;
  boost::asio::io_context& io_;
  RecordsTrust& trust_;
  store::Journal& journal_;  // whether the records can be written: RECORDS_FAILED's own source
  std::function<v1::FleetStatus()> fleet_status_;
};

}  // namespace dermad::api
