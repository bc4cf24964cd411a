// One control tick: HAL read -> supervisor -> controllers -> HAL write -> snapshot.
// No thread and no clock of its own: the loop runner (or a test) calls tick() with the
// time, so the same code runs in real time and on virtual time. Never blocks or allocates.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

#include "daemon/control/armed_run.hpp"
#include "daemon/control/command.hpp"
#include "daemon/control/control_event.hpp"
#include "daemon/control/depth_controller.hpp"
#include "daemon/control/depth_hold.hpp"
#include "daemon/control/limits.hpp"
#include "daemon/control/monitors.hpp"
#include "daemon/control/mpmc_queue.hpp"
#include "daemon/control/relay_test.hpp"
#include "daemon/control/routine.hpp"
#include "daemon/control/service_run.hpp"
#include "daemon/control/snapshot.hpp"
#include "daemon/control/snapshot_ring.hpp"
#include "daemon/control/speed_controller.hpp"
#include "daemon/control/speed_estimator.hpp"
#include "daemon/control/supervisor.hpp"
#include "hal/hal.hpp"

namespace dermad::control {

struct ControlConfig {
  int64_t period_ns = 1'000'000;
  DeviceLimits limits;
  SpeedGains speed;
  DepthLimits depth;
  AlarmLimits alarms;
  int64_t depth_settle_timeout_ns = 2'000'000'000;  // a service run must reach its depth
  int64_t link_timeout_ns = 500'000'000;            // owner's heartbeat, while armed
  int64_t depth_hold_max_ns = 600'000'000'000;      // one calibration point, untouched
  DepthMap depth_map;  // the committed depth calibration in force at start (kSetDepthMap later)
  // The committed speed calibration in force at start (kSetSpeedModel later); kp 0: none,
  // the gains above and the geometry's motor.
  SpeedModel speed_model{0.0, 0.0, 0.0, 0.0};
  SensorOffsets sensor_offsets;  // the committed sensors calibration in force at start
};

using CommandQueue = MpmcQueue<Command, 64>;
using TelemetryRing = SnapshotRing<Snapshot, 4096>;  // 4 s of ticks at 1 kHz

class ControlCore {
 public:
  ControlCore(hal::Hal& hal, ControlConfig cfg);

  // One tick at steady-clock time `now_ns`; `late_ns` and `loop` are the runner's timing.
  void tick(int64_t now_ns, int64_t late_ns, const LoopFigures& loop);

  // I/O side: submit a command (false if the queue is full), then poll its verdict.
  bool submit(Command c) { return commands_.try_push(c); }
  Verdict verdict(uint32_t id, uint32_t* detail = nullptr) const {
    return verdicts_.get(id, detail);
  }
  // The session owner's heartbeat, any thread: the steady-clock time of the newest state the
  // owner is known to have read. An older time than one already given changes nothing.
  void link_beat(int64_t t_ns) {
    int64_t cur = link_beat_ns_.load(std::memory_order_relaxed);
    while (t_ns > cur && !link_beat_ns_.compare_exchange_weak(cur, t_ns)) {
    }
  }
  // Whether the owner read a state within the link timeout before `now_ns`, any thread.
  bool link_alive(int64_t now_ns) const {
    return now_ns - link_beat_ns_.load(std::memory_order_relaxed) <= cfg_.link_timeout_ns;
  }
  // Whether the durable records can be written (the recorder's last write), any thread.
  void records_ok(bool ok) { records_ok_.store(ok, std::memory_order_relaxed); }
  // Whether the records passed their checks at start (chain, witness) or an engineer has
  // accepted them since, any thread.
  void records_trusted(bool ok) { records_trusted_.store(ok, std::memory_order_relaxed); }
  bool records_trusted() const { return records_trusted_.load(std::memory_order_relaxed); }
  const TelemetryRing& telemetry() const { return ring_; }
  // I/O side: the next event for the record, oldest first; false when there is none.
  bool next_event(ControlEvent& e) { return events_.try_pop(e); }
  const ControlConfig& config() const { return cfg_; }
  const hal::Geometry& geometry() const { return geo_; }

 private:
  // What the mode asks of the drive this tick (0: nothing).
  struct Targets {
    int32_t depth_um = 0;  // the needles' protrusion; 0 retracts
    double speed_hz = 0.0;
    bool raw_depth = false;  // depth_um is the stop's position (a calibration's routine)
    double duty = -1.0;      // >= 0: open loop at this duty (RoutineStep::duty)
  };
  // Where the stop goes for `t`: a protrusion through the depth map; a retraction (0) to home.
  int32_t stop_target(const Targets& t) const;
  // The steps of a tick, in order (tick() says why this order).
  double read_inputs(int64_t now_ns);  // the HAL's read; returns the tick's dt in seconds
  void supervise(int64_t now_ns, int64_t late_ns);  // link, monitors, alarms, commands
  void home();                                      // BOOT -> HOMING -> IDLE
  void write_outputs(int64_t now_ns, State after, const Targets& t, double dt);
  void publish(int64_t now_ns, int64_t late_ns, const LoopFigures& loop, State after,
               const Targets& t);
  void handle(const Command& c, int64_t now_ns);
  MonitorView monitor_view(int64_t late_ns) const;
  // From IDLE with no alarm into SERVICE, with `r` the routine that has the drive; false (the
  // refusal posted for `c`) otherwise.
  bool enter_service(const Command& c, int64_t now_ns, Routine& r);
  // The running routine's step; ends it (and SERVICE) when it is over.
  void run_routine(int64_t now_ns, Targets& t);
  // Ends the running routine, if any, once, recording how.
  void end_routine(RoutineEnd why, int64_t now_ns);
  void run_armed(int64_t now_ns, int32_t& depth_target, double& speed_target);
  void arm(const Command& c);
  void emit(ControlEvent e);
  void record_changes(int64_t now_ns);
  uint32_t device_limit_bits(int32_t depth_um, double speed_hz) const;

  hal::Hal& hal_;
  ControlConfig cfg_;
  hal::Geometry geo_;
  SpeedEstimator estimator_;
  SpeedController speed_;
  DepthController depth_;
  Supervisor supervisor_;
  Monitors monitors_;
  CommandQueue commands_;
  VerdictBoard verdicts_;
  TelemetryRing ring_;

  hal::Inputs in_;
  hal::Outputs out_;
  uint64_t tick_ = 0;
  int64_t prev_t_ns_ = -1;
  uint64_t total_edges_ = 0;
  double speed_target_ = 0.0;              // requested this tick, before the soft start
  bool cartridge_at_drive_start_ = false;  // removal matters only if one was there
  bool stopping_ = false;                  // daemon shutting down: hold the safe state
  ArmedRun armed_;
  hal::CartridgeType armed_cartridge_ = hal::CartridgeType::kUnknown;
  EventQueue events_;
  uint32_t events_lost_ = 0;
  State recorded_state_ = State::kBoot;
  uint32_t recorded_alarms_ = 0;
  uint32_t acknowledged_ = 0;  // alarm bits cleared by an acknowledgement this tick
  // Which acknowledgement cleared each of them: its command id, so the record can say who.
  std::array<uint32_t, kAlarmCount> acknowledged_by_{};
  bool recorded_cartridge_ = false;
  bool link_lost_ = false;
  std::atomic<int64_t> link_beat_ns_{INT64_MIN / 2};
  std::atomic<bool> records_ok_{true};
  std::atomic<bool> records_trusted_{true};
  int64_t motor_on_ns_ = 0;     // drive enabled, since start: the motor run-time counter
  hal::IoStatus write_status_;  // the last write's: judged in the next tick
  bool io_failed_ = false;      // this tick's read or the last write failed
  struct HardwareFault {
    uint16_t resource = 0;  // index into the HAL's resources() + 1; 0: none
    int error = 0;
  } hw_fault_;

  DepthMap depth_map_;            // the committed depth calibration; the identity until one is set
  SensorOffsets sensor_offsets_;  // the committed sensors calibration; zero until one is set
  // The routines, preallocated; `routine_` the one that has the drive in SERVICE.
  ServiceRun service_run_;
  DepthHold depth_hold_;
  RelayTest relay_test_;
  bool open_loop_ = false;  // the last write's duty was a routine's, not the speed loop's
  Routine* routine_ = nullptr;
};

}  // namespace dermad::control
