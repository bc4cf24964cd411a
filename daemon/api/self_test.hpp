// EngineeringService.SelfTest: the sensors, then the needle drive at three depths and
// speeds through bounded service runs, each judged from every tick (self_test_judge.hpp),
// streamed to the engineer step by step. The steps run on the I/O side's io_context; the
// loop enforces its limits as for any service run.
#pragma once

#include <boost/asio/io_context.hpp>
#include <functional>

#include "daemon/api/command_port.hpp"
#include "dermad/v1/engineering.grpc.pb.h"

namespace dermad::api {

// Records the outcome: kind, JSON details.
using SelfTestRecord = std::function<void(const std::string&, const std::string&)>;

// Starts a self-test for one call; refuses (FAILED_PRECONDITION, every reason) unless IDLE,
// homed, without alarms or cartridge.
// `ticket` is held by the stream until it is gone (the gate's record of open calls).
grpc::ServerWriteReactor<v1::SelfTestStep>* start_self_test(CommandPort& port,
                                                            boost::asio::io_context& io,
                                                            SelfTestRecord record,
                                                            std::shared_ptr<void> ticket = nullptr);

}  // namespace dermad::api
