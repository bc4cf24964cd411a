// dermad: wiring only. Options, the pen, the control loop, the gRPC server, signals.
#include <fcntl.h>
#include <grp.h>
#include <sys/stat.h>
#include <unistd.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <sstream>
#include <thread>

#include "daemon/api/calibration_desk.hpp"
#include "daemon/api/command_port.hpp"
#include "daemon/api/device_service.hpp"
#include "daemon/api/engineering_service.hpp"
#include "daemon/api/log_service.hpp"
#include "daemon/api/server.hpp"
#include "daemon/api/simulator_service.hpp"
#include "daemon/api/telemetry_hub.hpp"
#include "daemon/api/treatment_service.hpp"
#include "daemon/calibration/in_force.hpp"
#include "daemon/cartridge_cache.hpp"
#include "daemon/config/board_file.hpp"
#include "daemon/control/clock.hpp"
#include "daemon/control/control_core.hpp"
#include "daemon/control/loop_runner.hpp"
#include "daemon/event_recorder.hpp"
#include "daemon/fleet/fleet_settings.hpp"
#include "daemon/fleet/uploader.hpp"
#include "daemon/identity.hpp"
#include "daemon/log.hpp"
#include "daemon/options.hpp"
#include "daemon/records_journal.hpp"
#include "daemon/records_witness.hpp"
#include "daemon/service_notifier.hpp"
#include "daemon/store/details.hpp"
#include "daemon/store/store.hpp"
#include "daemon/store/witness.hpp"
#include "daemon/treatment/protocols.hpp"
#include "daemon/wall_clock.hpp"
#include "hal/linux/linux_pen.hpp"
#include "hal/sim/sim_pen.hpp"

namespace {

using namespace dermad;

// Why dermad could not make `dir` its folder (create it, write in it), "" when it can. Tried
// for real in the nearest folder that exists, with a folder made and removed at once: root
// passes every access() check, yet cannot write in /proc or on a read-only filesystem.
std::string unusable_folder(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path at = fs::absolute(dir, ec);
  if (ec) return ec.message();
  while (!fs::exists(at, ec)) {
    if (!at.has_parent_path() || at.parent_path() == at) return "no folder above it exists";
    at = at.parent_path();
  }
  if (!fs::is_directory(at, ec)) return at.string() + " is not a folder";
  std::string probe = (at / ".dermad-check-XXXXXX").string();
  if (mkdtemp(probe.data()) == nullptr) {
    return at.string() + ": " + std::strerror(errno) +
           (at == fs::absolute(dir, ec) ? "" : " (to create " + dir + ")");
  }
  fs::remove(probe, ec);
  return "";
}

// daemon_stopped: the signal, and what a stop that was not clean cut short.
std::string stopped_details(int sig, bool clean, const std::string& cut) {
  dermad::store::Details d = {{"signal", sig == SIGINT ? "SIGINT" : "SIGTERM"}};
  if (!clean) d["cut"] = cut;
  return dermad::store::details_text(d);
}

std::string read_file(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::string join_lines(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : "; ") + s;
  return out;
}

// A group by name or number; -1 when there is no such group.
long group_id(const std::string& g) {
  if (!g.empty() && g.find_first_not_of("0123456789") == std::string::npos) {
    return std::stol(g);
  }
  const struct group* gr = getgrnam(g.c_str());
  return gr ? static_cast<long>(gr->gr_gid) : -1;
}

// The records hold patient references: readable by dermad alone. A new file is made 0600
// before SQLite opens it (SQLite gives its WAL and shared-memory files the same mode), and
// files of an older install are brought to 0600.
void keep_records_private(const std::string& db) {
  // Never through a symbolic link: a dangling one is for the start to refuse, not to follow.
  const int fd = ::open(db.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd >= 0) ::close(fd);
  for (const char* suffix : {"", "-wal", "-shm"}) {
    const std::string path = db + suffix;
    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode)) ::chmod(path.c_str(), 0600);
  }
}

// Drive off and needles retracted before anything else stops; gives up after 3 s.
bool reach_safe_state(control::ControlCore& core) {
  control::Command stop;
  stop.kind = control::CommandKind::kSafeStop;
  stop.id = 0xFFFFFF;
  for (int i = 0; i < 100 && !core.submit(stop); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  control::Snapshot s;
  while (std::chrono::steady_clock::now() < deadline) {
    if (core.telemetry().latest(s) && !s.motor_enabled && s.speed_hz < 1.0 && s.depth_um <= 10) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  int exit_code = 0;
  const auto opts = parse_options(argc, argv, exit_code);
  if (!opts) return exit_code;
  set_log_target(opts->log);
  // A file size limit must fail a records write (RECORDS_FAILED), not kill the pen's daemon.
  std::signal(SIGXFSZ, SIG_IGN);

  // The protocols are checked before anything moves: a bad file is named, line by line.
  const auto protocols = treatment::load_protocols(opts->protocols_path);
  if (!protocols.set) {
    for (const auto& e : protocols.errors) log("ERROR", e);
    log("ERROR", "refusing to start: fix " + opts->protocols_path +
                     " or choose another with --protocols PATH");
    return 2;
  }
  log("INFO", "protocols: " + std::to_string(protocols.set->protocols.size()) + " from " +
                  opts->protocols_path);

  // TLS material is read before anything moves: a missing key is a setup error, named.
  api::Endpoints endpoints{opts->socket_path, opts->listen, "", "", ""};
  for (auto [path, pem] : {std::pair{&opts->tls_cert, &endpoints.tls_cert},
                           std::pair{&opts->tls_key, &endpoints.tls_key},
                           std::pair{&opts->tls_client_ca, &endpoints.tls_client_ca}}) {
    if (path->empty()) continue;
    *pem = read_file(*path);
    if (pem->find("-----BEGIN ") == std::string::npos) {
      log("ERROR", "cannot read PEM from " + *path);
      return 2;
    }
  }
  // The fleet file, with the certificates and the clinic's key it names.
  std::optional<fleet::FleetSettings> fleet_settings;
  if (!opts->fleet_path.empty()) {
    auto loaded = fleet::load_fleet(opts->fleet_path);
    if (!loaded.settings) {
      for (const auto& e : loaded.errors) log("ERROR", e);
      log("ERROR", "refusing to start: fix " + opts->fleet_path +
                       " or start without --fleet (docs/FLEET.md)");
      return 2;
    }
    fleet_settings = std::move(loaded.settings);
    log("INFO", "fleet: records go to " + fleet_settings->endpoint);
  }
  if (opts->insecure_listen) {
    log("WARNING", "--insecure-listen: " + opts->listen +
                       " serves plaintext gRPC; anyone who reaches it can watch the pen (callers "
                       "without a certificate are viewers)");
  }

  // The pen: the simulated one, or the real one as its board file maps it. A bad board file is
  // named line by line before anything moves.
  std::unique_ptr<hal::Hal> pen;
  hal::sim::SimPen* sim = nullptr;
  hal::linux_hw::LinuxPen* real = nullptr;
  std::string board_label;
  Identity identity;
  if (opts->sim) {
    identity = sim_identity();
    hal::sim::SimConfig sim_cfg;
    sim_cfg.seed = opts->seed;
    auto p = std::make_unique<hal::sim::SimPen>(sim_cfg);
    sim = p.get();
    pen = std::move(p);
  } else {
    auto board = config::load_board(opts->board_path);
    if (!board.board) {
      for (const auto& e : board.errors) log("ERROR", e);
      log("ERROR", "refusing to start: fix " + opts->board_path + " (docs/BOARD.md)");
      return 2;
    }
    board_label = board.board->name + " (" + opts->board_path + ")";
    log("INFO", "board: " + board_label);
    std::string problem;
    identity = board_identity(board.board->serial_file, board.board->hardware_revision, problem);
    if (!problem.empty()) log("WARNING", "identity: the pen's serial cannot be read: " + problem);
    auto p = std::make_unique<hal::linux_hw::LinuxPen>(std::move(*board.board));
    real = p.get();
    pen = std::move(p);
  }

  if (opts->check) {
    if (real != nullptr) {
      if (std::vector<std::string> problems; !real->probe(problems)) {
        for (const auto& p : problems) log("ERROR", p);
        log("ERROR", "the board's resources are not all there: dermad would not start");
        return 2;
      }
      log("INFO", "board: every resource of " + board_label + " is there");
    }
    const std::string db = opts->state_dir + "/dermad.db";
    std::error_code ec;
    namespace fs = std::filesystem;
    if (fs::exists(opts->state_dir, ec) && !fs::is_directory(opts->state_dir, ec)) {
      log("ERROR", "records: the state directory " + opts->state_dir + " is not a directory");
      return 2;
    }
    if (const auto why = unusable_folder(opts->state_dir); !why.empty()) {
      log("ERROR", "records: the state directory " + opts->state_dir + " cannot be used: " + why);
      return 2;
    }
    const std::string socket_dir = fs::path(opts->socket_path).parent_path().string();
    if (const auto why = unusable_folder(socket_dir.empty() ? "." : socket_dir); !why.empty()) {
      log("ERROR", "api: the socket " + opts->socket_path + " cannot be made: " + why);
      return 2;
    }
    const auto witness = opts->state_dir + "/dermad.witness";
    if (!fs::exists(fs::symlink_status(db, ec)) && !fs::exists(witness, ec)) {
      log("INFO", "records: " + db + " does not exist yet; dermad will create it");
    } else if (std::string report; store::check_records(db, witness, report)) {
      log("INFO", "records: " + db + ": " + report);
    } else {
      log("ERROR", "records: " + report);
      return 2;
    }
    log("INFO", "configuration OK: dermad would start");
    return 0;
  }

  // The records: opened before anything moves; a damaged file is reported, never replaced.
  std::error_code dir_error;
  std::filesystem::create_directories(opts->state_dir, dir_error);
  store::Store records;
  {
    const std::string db = opts->state_dir + "/dermad.db";
    std::error_code ec;
    if (std::filesystem::is_symlink(std::filesystem::symlink_status(db, ec)) &&
        !std::filesystem::exists(db, ec)) {
      log("ERROR", "records: " + db +
                       " is a dangling symbolic link: put the records back, or "
                       "remove the link to start afresh (RECORDS_UNTRUSTED follows if they "
                       "were known)");
      return 1;
    }
  }
  keep_records_private(opts->state_dir + "/dermad.db");
  if (std::string error; !records.open(opts->state_dir + "/dermad.db", error,
                                       static_cast<int64_t>(opts->records_max_kib) * 1024)) {
    log("ERROR", error);
    log("ERROR",
        "refusing to start without its records: repair or move the file, or choose "
        "another place with --state-dir DIR");
    return 1;
  }
  // In the journal each recorded event is a line of its own, with its fields.
  if (logging_to_journal()) records.on_appended(journal_events);

  {
    std::vector<std::string> problems;
    if (!pen->configure(problems)) {
      for (const auto& p : problems) log("ERROR", p);
      log("ERROR", "refusing to start: the " + pen->name() +
                       " pen's hardware is not as its board file says (dermad --check names "
                       "each problem)");
      return 2;
    }
    if (std::string why; !pen->activate(why)) {
      log("ERROR", "refusing to start: the outputs cannot be enabled safely: " + why);
      return 1;
    }
  }

  control::ControlConfig cfg;
  cfg.period_ns = int64_t{opts->period_us} * 1000;
  cfg.link_timeout_ns = int64_t{opts->link_timeout_ms} * 1'000'000;
  cfg.alarms.stall_ms = opts->loop_stall_ms;
  cfg.alarms.missed_in_window = static_cast<int>(opts->loop_stall_ms / 2);
  if (opts->loop_stall_ms != 100) {
    log("WARNING", "the loop's stall bound is widened to " + std::to_string(opts->loop_stall_ms) +
                       " ms (--loop-stall-ms, simulated pen only)");
  }
  // The calibration the records say is in force is the loop's from its first tick.
  calibration::CalibrationBook calibrations;
  calibration::StartNote note;
  const bool depth_calibrated =
      calibration::load_depth_calibration(records, calibrations, cfg.depth_map, note);
  if (!note.text.empty()) log(note.level, note.text);
  note = {};
  const bool speed_calibrated =
      calibration::load_speed_calibration(records, calibrations, cfg.speed_model, note);
  if (!note.text.empty()) log(note.level, note.text);
  note = {};
  const bool sensors_calibrated =
      calibration::load_sensors_calibration(records, calibrations, cfg.sensor_offsets, note);
  if (!note.text.empty()) log(note.level, note.text);
  // What the speed loop runs without a speed calibration: its built-in gains, the datasheet
  // motor.
  const control::SpeedModel nominal_speed{
      cfg.speed.kp, cfg.speed.ki, pen->geometry().motor_no_load_hz, cfg.speed.friction_duty};
  auto core = std::make_unique<control::ControlCore>(*pen, cfg);
  control::MonotonicClock clock;
  control::LoopRunner runner(clock, *core, cfg.period_ns);

  boost::asio::io_context io;
  // Before anything is written: the whole chain verified, the witness checked.
  RecordsWitness witness(records, opts->state_dir + "/dermad.witness", io);
  {
    int64_t ms = 0;
    const std::string why = witness.check_at_start(ms);
    const std::string what = "records: " + std::to_string(records.last_seq()) +
                             " events, chain verified in " + std::to_string(ms) + " ms";
    if (why.empty()) {
      log("INFO", what + "; the witness agrees");
    } else {
      log("ERROR", what + ": NOT TRUSTED: " + why +
                       ". RECORDS_UNTRUSTED: no session until an engineer has looked and "
                       "accepted them (dermactl records accept --reason TEXT)");
    }
  }
  api::CommandPort port(*core, io);
  EventRecorder recorder(*core, records, io);
  CartridgeCache cartridges;
  recorder.read_cartridges_with([&pen] { return pen->read_cartridge(); }, &cartridges);
  recorder.name_resources(pen->resources());
  recorder.remember_losses_in(opts->state_dir + "/dermad.lost");
  recorder.recover_losses();
  recorder.record(
      "daemon_started", "info",
      store::details_text(
          {{"version", DERMAD_VERSION}, {"backend", pen->name()}, {"board", board_label}}),
      "");
  const std::string protocols_sha256 = store::sha256_hex(read_file(opts->protocols_path));
  recorder.record("config_loaded", "info",
                  store::details_text({{"protocols", opts->protocols_path},
                                       {"sha256", protocols_sha256},
                                       {"serial", identity.serial},
                                       {"hardware_revision", identity.hardware_revision},
                                       {"build", identity.build}}),
                  "");
  recorder.start();
  witness.start(*core, recorder);
  {
    const int64_t valid_ns = opts->calibration_valid_s * 1'000'000'000;
    if (!depth_calibrated && sim != nullptr) {
      calibration::commit_nominal_depth(records, calibrations, clock.now_ns(), valid_ns, note);
      log(note.level, note.text);
    }
    if (!speed_calibrated && sim != nullptr) {
      calibration::commit_nominal_speed(records, calibrations, nominal_speed, clock.now_ns(),
                                        valid_ns, note);
      log(note.level, note.text);
    }
    if (!sensors_calibrated && sim != nullptr) {
      calibration::commit_nominal_sensors(records, calibrations, clock.now_ns(), valid_ns, note);
      log(note.level, note.text);
    }
    if ((!depth_calibrated || !speed_calibrated || !sensors_calibrated) && sim == nullptr) {
      log("WARNING",
          "the pen is not calibrated: sessions are refused (CALIBRATION_DUE) until an engineer "
          "calibrates it (dermactl calibrate depth, speed and sensors)");
    }
  }
  // Sessions the last run ended but could not record so (the records were full) are
  // recorded now; one it did not end (crash, power cut) is recorded as aborted; its
  // cartridge stays used.
  store::PendingEndings endings;
  const std::string endings_path = opts->state_dir + "/dermad.endings";
  {
    std::string error;
    if (std::string why; !endings.load(endings_path, clock.now_ns(), why)) {
      log("ERROR", "records: " + why);
    }
    for (const auto& id : endings.retry(records)) {
      log("INFO", "session " + id + " ended in the last run: recorded now");
    }
    if (std::string why; !endings.save(endings_path, why)) log("ERROR", "records: " + why);
    const auto aborted = records.abort_open_sessions(
        "dermad stopped without ending the session (crash or power cut)", wall_now_ns(),
        clock.now_ns(), error, endings.ids());
    for (const auto& id : aborted) log("WARNING", "session " + id + " was left open: aborted");
    if (!error.empty()) log("ERROR", "open sessions could not be closed: " + error);
  }
  // The loop starts once the records say who started it, and with what.
  const auto rt = runner.start(opts->rt_priority);
  if (!rt.granted) log("WARNING", "control loop runs without real-time guarantees: " + rt.note);
  api::GateConfig gate_cfg;
  gate_cfg.service_gid = group_id(opts->service_group);
  gate_cfg.clinic_gid = group_id(opts->clinic_group);
  for (const auto* g : {&opts->service_group, &opts->clinic_group}) {
    if (group_id(*g) < 0) log("WARNING", "group " + *g + " does not exist: nobody is in it");
  }
  api::Gate gate(gate_cfg, [&recorder](const std::string& kind, const std::string& details) {
    recorder.record(kind, "warning", details, "");
  });
  // After the gate: streams the hub still holds at exit give their tickets back to it.
  api::TelemetryHub hub(core->telemetry(), 1e6 / opts->period_us, pen->resources());
  hub.start();
  api::UnixAcceptor unix_socket;
  api::DeviceFacts facts;
  facts.backend = pen->name();
  facts.board = board_label;
  facts.resources = pen->resources();
  facts.realtime = rt.granted;
  facts.realtime_note = rt.note;
  facts.serial = identity.serial;
  facts.hardware_revision = identity.hardware_revision;
  facts.build = identity.build;
  facts.started_wall_ns = wall_now_ns();
  facts.started_mono_ns = clock.now_ns();
  // As absolute paths: a service engineer reads them from elsewhere than dermad's folder.
  const auto absolute = [](const std::string& p) {
    std::error_code ec;
    return p.empty() ? p : std::filesystem::absolute(p, ec).lexically_normal().string();
  };
  facts.protocols_path = absolute(opts->protocols_path);
  facts.protocols_sha256 = protocols_sha256;
  facts.board_path = absolute(opts->board_path);
  facts.state_dir = absolute(opts->state_dir);
  facts.socket_path = absolute(opts->socket_path);
  api::DeviceService device(gate, port, hub, cartridges, std::move(facts));
  const auto record_info = [&recorder](const std::string& kind, const std::string& details) {
    recorder.record(kind, "info", details, "");
  };
  api::CalibrationDesk calibration_desk(
      port, io, calibrations, records, record_info,
      api::CalibrationConfig{opts->calibration_valid_s * 1'000'000'000, nominal_speed});
  api::EngineeringService engineering(gate, port, io, record_info, calibration_desk, records);
  // The Simulator service exists only for the simulated pen.
  std::unique_ptr<api::SimulatorService> simulator;
  if (sim != nullptr)
    simulator = std::make_unique<api::SimulatorService>(gate, *sim, cartridges, io);
  api::TreatmentService treatment(gate, *protocols.set, port, cartridges, io, records, recorder,
                                  endings, calibrations);
  api::LogService logs(gate, records, io, witness, recorder);
  std::unique_ptr<fleet::Uploader> uploader;
  if (fleet_settings) {
    uploader = std::make_unique<fleet::Uploader>(records, std::move(*fleet_settings),
                                                 identity.serial, DERMAD_VERSION);
    logs.fleet_status_from([&uploader] { return uploader->status(); });
    uploader->start();
  }
  device.show({[&treatment](v1::ActiveSession& a) { return treatment.active_session(a); },
               [&records](const std::string& serial) { return records.cartridge_used(serial); }});
  device.tell_acknowledgers_to([&recorder](uint32_t id, std::string who) {
    recorder.acknowledgement_from(id, std::move(who));
  });

  std::string error;
  int tcp_port = 0;
  std::vector<grpc::Service*> services{&device, &engineering, &treatment, &logs};
  if (simulator) services.push_back(simulator.get());
  auto server = api::start_server(endpoints, services, unix_socket, gate, tcp_port, error);
  if (!server) {
    log("ERROR", error);
    reach_safe_state(*core);
    hub.close_streams();
    return 1;
  }

  std::promise<int> stop_signal;
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&stop_signal](const boost::system::error_code& ec, int sig) {
    if (!ec) stop_signal.set_value(sig);
  });
  auto work = boost::asio::make_work_guard(io);
  std::thread io_thread([&io] { io.run(); });

  log("INFO",
      std::string("dermad ") + DERMAD_VERSION + " on the " + pen->name() + " pen; loop period " +
          std::to_string(opts->period_us) + " us; listening on unix:" + opts->socket_path +
          (opts->listen.empty()
               ? ""
               : std::string(" and ") + (endpoints.tls_cert.empty() ? "INSECURE tcp:" : "tls:") +
                     opts->listen.substr(0, opts->listen.rfind(':')) + ":" +
                     std::to_string(tcp_port)));
  // READY=1 once the pen has homed (the API listens already), STATUS as it changes, and the
  // watchdog fed while the loop advances: all from the I/O thread.
  // The health service says the same: not serving while homing or while the records cannot
  // be written.
  std::vector<std::string> service_names{
      v1::DeviceService::service_full_name(), v1::EngineeringService::service_full_name(),
      v1::TreatmentService::service_full_name(), v1::LogService::service_full_name()};
  if (simulator) service_names.push_back(v1::Simulator::service_full_name());
  api::set_serving(*server, service_names, false);
  ServiceNotifier notifier(
      io, [&core](control::Snapshot& s) { return core->telemetry().latest(s); },
      [&treatment] {
        v1::ActiveSession a;
        return treatment.active_session(a) ? a.session_id() : std::string();
      },
      [&server, &service_names](bool serving, const std::string& why) {
        api::set_serving(*server, service_names, serving);
        log(serving ? "INFO" : "WARNING",
            serving ? std::string("health: SERVING") : "health: NOT_SERVING: " + why);
      });
  boost::asio::post(io, [&notifier] { notifier.start(); });

  const int sig = stop_signal.get_future().get();
  log("INFO", std::string("signal ") + (sig == SIGINT ? "SIGINT" : "SIGTERM") +
                  ": drive off, needles retracting");
  boost::asio::post(io, [&notifier] { notifier.stopping(); });
  if (!reach_safe_state(*core)) log("ERROR", "safe state not confirmed within 3 s");
  hub.close_streams();
  treatment.stopping();
  unix_socket.stop();
  // What the fleet has not acknowledged stays in the records for the next start.
  if (uploader) uploader->stop();
  if (const auto open = gate.open_streams(); !open.empty()) {
    log("INFO",
        "shutdown: ending " + std::to_string(open.size()) + " open stream(s): " + join_lines(open));
  }
  // gRPC gives the calls 2 s, then cancels them; a call whose client has stopped reading
  // must still not hold the daemon: past 4 s the rest are cut, named, and dermad exits.
  auto shutdown = std::async(std::launch::async, [&server] {
    server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  });
  const bool clean = shutdown.wait_for(std::chrono::seconds(4)) == std::future_status::ready;
  std::string cut;
  if (!clean) {
    cut = join_lines(gate.open_streams());
    log("WARNING", "shutdown: calls still open 4 s after the signal were cut: " + cut);
  }
  work.reset();
  io.stop();
  io_thread.join();
  // The loop stops before the records' last drain, so nothing it says goes unwritten and
  // uncounted (the pen is in its safe state already).
  runner.stop();
  pen->deactivate();
  treatment.abort_active(std::string("dermad was stopped (") +
                         (sig == SIGINT ? "SIGINT" : "SIGTERM") + ") during the session");
  if (std::string error; !endings.save(endings_path, error)) {
    log("ERROR", "records: " + error);
  } else if (!endings.empty()) {
    log("ERROR", "records: " + std::to_string(endings.ids().size()) +
                     " session ending(s) could not be written; the next start records them");
  }
  recorder.stop();
  recorder.record("daemon_stopped", "info", stopped_details(sig, clean, cut), "");
  recorder.close();
  witness.stop();
  hub.stop();
  log("INFO", "stopped");
  if (!clean) {
    // gRPC's threads still hold the cut calls: leave without running their destructors.
    std::fflush(nullptr);
    std::_Exit(0);
  }
  return 0;
}
