// Every request a client can send, through the service layer: the daemon's own services,
// gate, loop and records, assembled in this process as dermad assembles them, reached over a
// socket pair the way dermad's unix acceptor hands connections to gRPC (as an engineer: the
// role that reaches the most). The bytes go to the method unparsed, so protobuf's parsing is
// part of what is fuzzed.
//
// An input is a sequence of calls: [method byte][length byte][that many payload bytes]...
// Beyond crashes and sanitizer reports, after every call the pen must stay safe: whatever
// was asked, the drive is never on unless the loop is in a running state.
#include <fcntl.h>
#include <grpcpp/create_channel_posix.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/server_posix.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "daemon/api/calibration_desk.hpp"
#include "daemon/api/command_port.hpp"
#include "daemon/api/device_service.hpp"
#include "daemon/api/engineering_service.hpp"
#include "daemon/api/gate.hpp"
#include "daemon/api/input_bounds.hpp"
#include "daemon/api/log_service.hpp"
#include "daemon/api/simulator_service.hpp"
#include "daemon/api/telemetry_hub.hpp"
#include "daemon/api/treatment_service.hpp"
#include "daemon/calibration/in_force.hpp"
#include "daemon/control/clock.hpp"
#include "daemon/control/control_core.hpp"
#include "daemon/control/loop_runner.hpp"
#include "daemon/event_recorder.hpp"
#include "daemon/records_witness.hpp"
#include "daemon/store/pending_endings.hpp"
#include "daemon/treatment/protocols.hpp"
#include "hal/sim/sim_pen.hpp"

namespace {

using namespace dermad;

void require(bool ok, const std::string& what = "") {
  if (ok) return;
  if (!what.empty()) std::fprintf(stderr, "requests_fuzz: %s\n", what.c_str());
  __builtin_trap();
}

// The unary methods of every service. The streams are reached by the integration tests; here
// a call must end within its deadline.
std::vector<const google::protobuf::MethodDescriptor*> unary_methods() {
  std::vector<const google::protobuf::MethodDescriptor*> out;
  const auto* pool = google::protobuf::DescriptorPool::generated_pool();
  for (const char* s :
       {"dermad.v1.DeviceService", "dermad.v1.EngineeringService", "dermad.v1.Simulator",
        "dermad.v1.TreatmentService", "dermad.v1.LogService"}) {
    const auto* service = pool->FindServiceByName(s);
    require(service != nullptr);
    for (int i = 0; i < service->method_count(); ++i) {
      const auto* m = service->method(i);
      if (m->client_streaming() || m->server_streaming()) continue;
      out.push_back(m);
    }
  }
  return out;
}

// dermad, in-process. Built once; the fuzzer's inputs run against one pen, as a tablet's
// calls do over a day.
struct Daemon {
  std::string dir;
  hal::sim::SimPen pen{hal::sim::SimConfig{}};
  control::ControlConfig cfg;
  std::unique_ptr<control::ControlCore> core;
  control::MonotonicClock clock;
  std::unique_ptr<control::LoopRunner> runner;
  boost::asio::io_context io;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work{io.get_executor()};
  std::thread io_thread;
  store::Store records;
  store::PendingEndings endings;
  std::unique_ptr<RecordsWitness> witness;
  std::unique_ptr<api::CommandPort> port;
  std::unique_ptr<EventRecorder> recorder;
  calibration::CalibrationBook calibrations;
  std::unique_ptr<api::CalibrationDesk> desk;
  CartridgeCache cartridges;
  std::unique_ptr<api::Gate> gate;
  std::unique_ptr<api::TelemetryHub> hub;
  std::vector<std::unique_ptr<grpc::Service>> services;
  std::unique_ptr<grpc::Server> server;
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<grpc::GenericStub> stub;
  std::vector<const google::protobuf::MethodDescriptor*> methods = unary_methods();
  // The owner token of the last session started: a request whose owner_token is "T" gets it,
  // so that inputs reach what only the owner may do (a token cannot be guessed, by design).
  std::string token;

  Daemon() {
    char tmpl[] = "/tmp/dermad-fuzz-XXXXXX";
    dir = mkdtemp(tmpl);
    std::string error;
    require(records.open(dir + "/dermad.db", error, 64 * 1024 * 1024));
    const auto protocols = treatment::load_protocols(std::string(DERMAD_SOURCE_DIR) +
                                                     "/daemon/treatment/protocols.textproto");
    require(protocols.set.has_value());
    core = std::make_unique<control::ControlCore>(pen, cfg);
    runner = std::make_unique<control::LoopRunner>(clock, *core, cfg.period_ns);
    witness = std::make_unique<RecordsWitness>(records, dir + "/dermad.witness", io);
    int64_t ms = 0;
    require(witness->check_at_start(ms).empty());
    port = std::make_unique<api::CommandPort>(*core, io);
    recorder = std::make_unique<EventRecorder>(*core, records, io);
    recorder->read_cartridges_with([this] { return pen.read_cartridge(); }, &cartridges);
    recorder->start();
    witness->start(*core, *recorder);
    runner->start(0);
    gate = std::make_unique<api::Gate>(api::GateConfig{},
                                       [this](const std::string& kind, const std::string& details) {
                                         recorder->record(kind, "warning", details, "");
                                       });
    hub = std::make_unique<api::TelemetryHub>(core->telemetry(), 1e9 / cfg.period_ns);
    hub->start();
    auto journal = [this](const std::string& kind, const std::string& details) {
      recorder->record(kind, "info", details, "");
    };
    api::DeviceFacts facts;
    facts.backend = "sim";
    facts.realtime_note = "fuzzing";
    auto device = std::make_unique<api::DeviceService>(*gate, *port, *hub, cartridges, facts);
    // As a fresh simulated pen: the factory's calibrations, so sessions may start.
    const control::SpeedModel nominal_speed{
        cfg.speed.kp, cfg.speed.ki, pen.geometry().motor_no_load_hz, cfg.speed.friction_duty};
    const int64_t year_ns = 365LL * 24 * 3600 * 1'000'000'000;
    calibration::StartNote note;
    calibration::commit_nominal_depth(records, calibrations, clock.now_ns(), year_ns, note);
    calibration::commit_nominal_speed(records, calibrations, nominal_speed, clock.now_ns(), year_ns,
                                      note);
    calibration::commit_nominal_sensors(records, calibrations, clock.now_ns(), year_ns, note);
    desk = std::make_unique<api::CalibrationDesk>(*port, io, calibrations, records, journal,
                                                  api::CalibrationConfig{year_ns, nominal_speed});
    auto treatment = std::make_unique<api::TreatmentService>(
        *gate, *protocols.set, *port, cartridges, io, records, *recorder, endings, calibrations);
    // As dermad wires them: the status shows the session and the cartridge's use.
    device->show({[t = treatment.get()](v1::ActiveSession& a) { return t->active_session(a); },
                  [this](const std::string& serial) { return records.cartridge_used(serial); }});
    services.push_back(std::move(device));
    services.push_back(
        std::make_unique<api::EngineeringService>(*gate, *port, io, journal, *desk, records));
    services.push_back(std::make_unique<api::SimulatorService>(*gate, pen, cartridges, io));
    services.push_back(std::move(treatment));
    services.push_back(std::make_unique<api::LogService>(*gate, records, io, *witness, *recorder));
    io_thread = std::thread([this] { io.run(); });

    grpc::ServerBuilder b;
    b.SetMaxReceiveMessageSize(static_cast<int>(api::kMaxMessageBytes));
    for (auto& s : services) b.RegisterService(s.get());
    server = b.BuildAndStart();
    require(server != nullptr);
    int fds[2];
    require(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, fds) == 0);
    // As dermad's acceptor does: the peer's credentials first, then the connection to gRPC.
    gate->unix_peer("fd:" + std::to_string(fds[0]), ucred{getpid(), 0, 0});
    grpc::AddInsecureChannelFromFd(server.get(), fds[0]);
    channel = grpc::CreateInsecureChannelFromFd("dermad-fuzz", fds[1]);
    stub = std::make_unique<grpc::GenericStub>(channel);
    // Homed and idle, as a client first finds the pen.
    for (int i = 0; i < 5000; ++i) {
      control::Snapshot s;
      if (core->telemetry().latest(s) && s.state == control::State::kIdle) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }

  std::string with_token(const google::protobuf::MethodDescriptor& m, const std::string& payload) {
    const auto* field = m.input_type()->FindFieldByName("owner_token");
    if (field == nullptr || token.empty()) return payload;
    std::unique_ptr<google::protobuf::Message> req(
        google::protobuf::MessageFactory::generated_factory()->GetPrototype(m.input_type())->New());
    if (!req->ParseFromString(payload) || req->GetReflection()->GetString(*req, field) != "T") {
      return payload;
    }
    req->GetReflection()->SetString(req.get(), field, token);
    return req->SerializeAsString();
  }

  // Stopped as dermad stops (server, streams, I/O, loop, records), so that the process ends
  // with no thread of gRPC's still running into destroyed globals.
  ~Daemon() {
    server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
    hub->stop();
    work.reset();
    io.stop();
    io_thread.join();
    runner->stop();
    recorder->stop();
    recorder->close();
    witness->stop();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }

  // The call; the pen's safety checked after it.
  void call(const google::protobuf::MethodDescriptor& m, const std::string& bytes) {
    const std::string method = "/" + m.service()->full_name() + "/" + m.name();
    const std::string payload = with_token(m, bytes);
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    grpc::ByteBuffer response;
    grpc::Slice slice(payload);
    grpc::ByteBuffer request(&slice, 1);
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;
    grpc::Status status;
    stub->UnaryCall(&ctx, method, grpc::StubOptions(), &request, &response, [&](grpc::Status st) {
      std::lock_guard lock(mu);
      status = std::move(st);
      done = true;
      cv.notify_one();
    });
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return done; });
    // A call the service never answered is a hang: the deadline says so.
    require(status.error_code() != grpc::StatusCode::DEADLINE_EXCEEDED,
            method + " did not answer within 5 s: " + status.error_message());
    if (status.ok() && m.name() == "StartSession") {
      v1::StartSessionResponse started;
      std::vector<grpc::Slice> slices;
      require(response.Dump(&slices).ok());
      std::string bytes_out;
      for (const auto& sl : slices)
        bytes_out.append(reinterpret_cast<const char*>(sl.begin()), sl.size());
      require(started.ParseFromString(bytes_out) && !started.owner_token().empty());
      token = started.owner_token();
    }
    control::Snapshot s;
    if (core->telemetry().latest(s)) {
      const bool may_drive =
          s.state == control::State::kRunning || s.state == control::State::kService;
      require(may_drive || !s.motor_enabled);
    }
  }
};

Daemon* daemon_instance() {
  // protobuf logs every string field with invalid UTF-8 it is sent: noise at this rate.
  static const bool quiet = (google::protobuf::SetLogHandler(nullptr), true);
  (void)quiet;
  static Daemon* d = [] {
    auto* made = new Daemon();
    // libFuzzer ends with exit(): the daemon stops first.
    std::atexit([] { delete daemon_instance(); });
    return made;
  }();
  return d;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Daemon& d = *daemon_instance();
  size_t at = 0;
  for (int calls = 0; calls < 8 && at + 2 <= size; ++calls) {
    const auto* method = d.methods[data[at] % d.methods.size()];
    const size_t len = std::min<size_t>(data[at + 1], size - at - 2);
    d.call(*method, std::string(reinterpret_cast<const char*>(data + at + 2), len));
    at += 2 + len;
  }
  return 0;
}
