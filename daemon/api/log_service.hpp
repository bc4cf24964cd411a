// LogService: the event log from a cursor, following new events if asked; and its check.
#pragma once

#include <boost/asio/io_context.hpp>

#include "daemon/store/event_log.hpp"
#include "dermad/v1/log.grpc.pb.h"

namespace dermad::api {

class LogService final : public v1::LogService::CallbackService {
 public:
  LogService(store::EventStore& store, boost::asio::io_context& io) : store_(store), io_(io) {}

  grpc::ServerWriteReactor<v1::LogEvent>* ReadEvents(grpc::CallbackServerContext* ctx,
                                                     const v1::ReadEventsRequest* req) override;
  grpc::ServerUnaryReactor* VerifyLog(grpc::CallbackServerContext* ctx,
                                      const v1::VerifyLogRequest* req,
                                      v1::VerifyLogResponse* resp) override;

 private:
  store::EventStore& store_;
  boost::asio::io_context& io_;
};

}  // namespace dermad::api
