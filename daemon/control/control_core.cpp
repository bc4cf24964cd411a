#include "daemon/control/control_core.hpp"

#include "daemon/control/drive_outputs.hpp"

#include <cmath>
#include <limits>

namespace dermad::control {

ControlCore::ControlCore(hal::Hal& hal, ControlConfig cfg)
    : hal_(hal),
      cfg_(cfg),
      geo_(hal.geometry()),
      estimator_(geo_.tach_edges_per_rev),
      speed_(cfg.speed, geo_.motor_no_load_hz, geo_.supply_nominal_v),
      depth_(cfg.depth, geo_.um_per_step, static_cast<double>(cfg.period_ns) * 1e-9),
      monitors_(cfg.alarms, cfg.period_ns, cfg.limits.depth_max_um),
      // An implausible map never reaches the needles: the caller checks, and so does this.
      depth_map_(cfg.depth_map.plausible() ? cfg.depth_map : DepthMap{}),
      service_run_(cfg.depth_settle_timeout_ns),
      depth_hold_(cfg.depth_hold_max_ns) {
  // The stop's steps counted in the sensor's micrometres, as the calibration found them: a
  // long move then lands where the sensor will say it is, not a few percent beyond.
  depth_.set_sensor_scale(1.0 / depth_map_.gain);
  if (plausible(cfg.sensor_offsets)) sensor_offsets_ = cfg.sensor_offsets;
  if (plausible(cfg.speed_model)) {
    speed_.retune(cfg.speed_model.kp, cfg.speed_model.ki, cfg.speed_model.no_load_hz,
                  cfg.speed_model.friction_duty);
  }
}

MonitorView ControlCore::monitor_view(int64_t late_ns) const {
  // Judged against the outputs of the previous tick: those are what the plant has been
  // responding to since.
  MonitorView v;
  v.drive_on = out_.motor_enable;
  v.duty = out_.motor_duty;
  v.speed_target_hz = speed_.ramped_target_hz();
  // An open-loop drive (the relay test) swings its speed on purpose: not a tracking error.
  v.ramp_done = out_.motor_enable && !open_loop_ && speed_.ramped_target_hz() == speed_target_;
  v.speed_hz = estimator_.speed_hz();
  v.last_edge_ns = estimator_.last_edge_ns();
  // V * duty = I * R + Ke * omega, with Ke from the no-load speed at nominal supply.
  if (in_.supply_v.ok && in_.motor_current_ma.ok) {
    const double volts_per_hz = geo_.supply_nominal_v / geo_.motor_no_load_hz;
    const double emf = in_.supply_v.value * out_.motor_duty -
                       in_.motor_current_ma.value * 1e-3 * geo_.motor_resistance_ohm;
    v.emf_speed_hz = emf / volts_per_hz;
  }
  v.travel_um = depth_.travel_um();
  // Judged as the needles' protrusion, so a calibration that puts them deeper than the
  // stop's sensor says is no way past the over-depth limit.
  v.filtered_depth_um = std::isnan(depth_.filtered_um())
                            ? depth_.filtered_um()
                            : depth_map_.protrusion_at(depth_.filtered_um());
  v.depth_tracking_fault = depth_.tracking_fault();
  v.homing_failed = depth_.homing() == DepthController::Homing::kFailed;
  v.link_lost = link_lost_;
  v.records_failed = !records_ok_.load(std::memory_order_relaxed);
  v.records_untrusted = !records_trusted_.load(std::memory_order_relaxed);
  v.hardware_failed = io_failed_;
  v.cartridge_removed_running =
      out_.motor_enable && cartridge_at_drive_start_ && !in_.cartridge_present;
  v.late_ns = late_ns;
  return v;
}

void ControlCore::handle(const Command& c, int64_t now_ns) {
  const State s = supervisor_.state();
  switch (c.kind) {
    case CommandKind::kJog: {
      uint32_t out_of_limits = device_limit_bits(c.depth_um, c.speed_hz);
      if (c.duration_ms == 0 || c.duration_ms > cfg_.limits.jog_max_ms) {
        out_of_limits |= kLimitDuration;
      }
      if (out_of_limits != 0) {
        verdicts_.post(c.id, Verdict::kRefusedLimits, out_of_limits);
        return;
      }
      // A service run drives the needles with no session, screening or dead-man: never
      // with a cartridge that could touch a patient.
      if (in_.cartridge_present) {
        verdicts_.post(c.id, Verdict::kRefusedCartridge, kCartridgeInserted);
        return;
      }
      if (!enter_service(c, now_ns, service_run_)) return;
      service_run_.begin(c.depth_um, c.speed_hz, int64_t{c.duration_ms} * 1'000'000, now_ns);
      verdicts_.post(c.id, Verdict::kAccepted);
      return;
    }
    case CommandKind::kAcknowledge: {
      const uint32_t cleared = supervisor_.acknowledge(c.alarm_mask, depth_.homed());
      acknowledged_ |= cleared;
      for (uint8_t i = 0; i < kAlarmCount; ++i) {
        if (cleared & (1u << i)) acknowledged_by_[i] = c.id;
      }
      verdicts_.post(c.id, Verdict::kAccepted, cleared);
      return;
    }
    case CommandKind::kArm:
      arm(c);
      return;
    case CommandKind::kUpdate:
      if (s != State::kArmed && s != State::kRunning) {
        verdicts_.post(c.id, Verdict::kRefusedState, static_cast<uint32_t>(s));
      } else if (c.depth_max_um > 0 && (device_limit_bits(c.depth_min_um, c.speed_min_hz) |
                                        device_limit_bits(c.depth_max_um, c.speed_max_hz)) != 0) {
        verdicts_.post(c.id, Verdict::kRefusedLimits,
                       device_limit_bits(c.depth_min_um, c.speed_min_hz) |
                           device_limit_bits(c.depth_max_um, c.speed_max_hz));
      } else if (c.depth_max_um > hal::needle_depth_ceiling_um(armed_cartridge_)) {
        // A zone change keeps the armed cartridge: its needles' ceiling still holds.
        verdicts_.post(c.id, Verdict::kRefusedLimits, kLimitCartridge);
      } else if (!(c.depth_max_um > 0 ? armed_.set(c.depth_um, c.speed_hz,
                                                   {c.depth_min_um, c.depth_max_um, c.speed_min_hz,
                                                    c.speed_max_hz})
                                      : armed_.set(c.depth_um, c.speed_hz))) {
        verdicts_.post(c.id, Verdict::kRefusedLimits, kLimitSession);
      } else {
        verdicts_.post(c.id, Verdict::kAccepted);
      }
      return;
    case CommandKind::kDisarm:
      if (s == State::kArmed || s == State::kRunning) supervisor_.request(State::kIdle);
      armed_.disarm();
      verdicts_.post(c.id, Verdict::kAccepted);
      return;
    case CommandKind::kStopService:
      // Ended as its time running out would end it: IDLE, drive off, needles retracted.
      if (s != State::kService) {
        verdicts_.post(c.id, Verdict::kRefusedState, static_cast<uint32_t>(s));
        return;
      }
      end_routine(RoutineEnd::kStopped, now_ns);
      supervisor_.request(State::kIdle);
      verdicts_.post(c.id, Verdict::kAccepted);
      return;
    case CommandKind::kSetSpeedModel:
      // Between routines and sessions only: a loop never changes its gains under the drive.
      if (s != State::kIdle || out_.motor_enable) {
        verdicts_.post(c.id, Verdict::kRefusedState, static_cast<uint32_t>(s));
        return;
      }
      if (!plausible(c.speed_model)) {
        verdicts_.post(c.id, Verdict::kRefusedLimits, kLimitSpeed);
        return;
      }
      speed_.retune(c.speed_model.kp, c.speed_model.ki, c.speed_model.no_load_hz,
                    c.speed_model.friction_duty);
      verdicts_.post(c.id, Verdict::kAccepted);
      return;
    case CommandKind::kRelayTest: {
      uint32_t bad = device_limit_bits(cfg_.limits.depth_min_um, c.speed_hz);
      if (c.duration_ms == 0 || c.duration_ms > cfg_.limits.jog_max_ms) bad |= kLimitDuration;
      if (!(c.relay_duty >= 0.01 && c.relay_duty <= 0.3 && c.duty - c.relay_duty >= 0.0 &&
            c.duty + c.relay_duty <= 1.0)) {
        bad |= kLimitDuty;
      }
      if (bad != 0) {
        verdicts_.post(c.id, Verdict::kRefusedLimits, bad);
        return;
      }
      if (in_.cartridge_present) {
        verdicts_.post(c.id, Verdict::kRefusedCartridge, kCartridgeInserted);
        return;
      }
      if (!enter_service(c, now_ns, relay_test_)) return;
      relay_test_.begin(c.speed_hz, c.duty, c.relay_duty, int64_t{c.duration_ms} * 1'000'000,
                        now_ns);
      verdicts_.post(c.id, Verdict::kAccepted);
      return;
    }
    case CommandKind::kHoldDepth: {
      // The drive stays off: a cartridge may be in (its needles are what the gauge measures).
      // 0 is a point too (the needles' face at home).
      if (c.depth_um < 0 || c.depth_um > cfg_.limits.depth_max_um) {
        verdicts_.post(c.id, Verdict::kRefusedLimits, kLimitDepth);
        return;
      }
      if (s == State::kService && routine_ == &depth_hold_) {
        depth_hold_.move_to(c.depth_um, now_ns);
        verdicts_.post(c.id, Verdict::kAccepted);
        return;
      }
      if (!enter_service(c, now_ns, depth_hold_)) return;
      depth_hold_.move_to(c.depth_um, now_ns);
      verdicts_.post(c.id, Verdict::kAccepted);
      return;
    }
    case CommandKind::kSetSensorOffsets:
      if (s != State::kIdle || out_.motor_enable) {
        verdicts_.post(c.id, Verdict::kRefusedState, static_cast<uint32_t>(s));
        return;
      }
      if (!plausible(c.sensor_offsets)) {
        verdicts_.post(c.id, Verdict::kRefusedLimits, kLimitSensors);
        return;
      }
      sensor_offsets_ = c.sensor_offsets;
      verdicts_.post(c.id, Verdict::kAccepted);
      return;
    case CommandKind::kSetDepthMap:
      if (s != State::kIdle || out_.motor_enable) {
        verdicts_.post(c.id, Verdict::kRefusedState, static_cast<uint32_t>(s));
        return;
      }
      if (!c.depth_map.plausible()) {
        verdicts_.post(c.id, Verdict::kRefusedLimits, kLimitDepth);
        return;
      }
      depth_map_ = c.depth_map;
      depth_.set_sensor_scale(1.0 / depth_map_.gain);
      verdicts_.post(c.id, Verdict::kAccepted);
      return;
    case CommandKind::kSafeStop:
      stopping_ = true;
      end_routine(RoutineEnd::kShutdown, now_ns);
      if (s == State::kService || s == State::kArmed || s == State::kRunning) {
        supervisor_.request(State::kIdle);
      }
      verdicts_.post(c.id, Verdict::kAccepted);
      return;
  }
}

void ControlCore::emit(ControlEvent e) {
  if (events_lost_ > 0) {
    ControlEvent lost{e.t_ns, EventKind::kEventsLost, 0, 0, events_lost_};
    if (!events_.try_push(lost)) {
      ++events_lost_;
      return;
    }
    events_lost_ = 0;
  }
  if (!events_.try_push(e)) ++events_lost_;
}

// What changed since the last tick, as events; no allocation, at most 25 a tick.
void ControlCore::record_changes(int64_t now_ns) {
  const State s = supervisor_.state();
  if (s != recorded_state_) {
    emit({now_ns, EventKind::kStateChanged, static_cast<uint8_t>(recorded_state_),
          static_cast<uint8_t>(s), 0});
    recorded_state_ = s;
  }
  const uint32_t now = supervisor_.alarms().active;
  const uint32_t raised = now & ~recorded_alarms_;
  const uint32_t gone = recorded_alarms_ & ~now;
  for (uint8_t i = 0; i < kAlarmCount; ++i) {
    const uint32_t b = 1u << i;
    if (raised & b) {
      // HARDWARE_FAULT carries what failed: the resource (index + 1) and its errno.
      const uint32_t what = i == static_cast<uint8_t>(AlarmCode::kHardwareFault)
                                ? uint32_t{hw_fault_.resource} << 16 |
                                      (static_cast<uint32_t>(hw_fault_.error) & 0xFFFFu)
                                : 0;
      emit({now_ns, EventKind::kAlarmRaised, i, 0, what});
    }
    if (gone & b) {
      if (acknowledged_ & b) {
        emit({now_ns, EventKind::kAlarmAcknowledged, i, 0, acknowledged_by_[i]});
      } else {
        emit({now_ns, EventKind::kAlarmCleared, i, 0, 0});
      }
    }
  }
  recorded_alarms_ = now;
  acknowledged_ = 0;
  if (in_.cartridge_present != recorded_cartridge_) {
    emit({now_ns,
          in_.cartridge_present ? EventKind::kCartridgeInserted : EventKind::kCartridgeRemoved, 0,
          0, 0});
    recorded_cartridge_ = in_.cartridge_present;
  }
}

uint32_t ControlCore::device_limit_bits(int32_t depth_um, double speed_hz) const {
  const auto& L = cfg_.limits;
  uint32_t bits = 0;
  if (depth_um < L.depth_min_um || depth_um > L.depth_max_um) bits |= kLimitDepth;
  if (!(speed_hz >= L.speed_min_hz && speed_hz <= L.speed_max_hz)) bits |= kLimitSpeed;
  return bits;
}

void ControlCore::arm(const Command& c) {
  const State s = supervisor_.state();
  // The session's limits must sit inside the device's, and its values inside its limits.
  uint32_t bits = device_limit_bits(c.depth_um, c.speed_hz) |
                  device_limit_bits(c.depth_min_um, c.speed_min_hz) |
                  device_limit_bits(c.depth_max_um, c.speed_max_hz);
  const SessionLimits lim{c.depth_min_um, c.depth_max_um, c.speed_min_hz, c.speed_max_hz};
  if (c.depth_max_um > hal::needle_depth_ceiling_um(c.cartridge)) bits |= kLimitCartridge;
  ArmedRun check;
  check.arm(0, 0, lim);
  if (!check.set(c.depth_um, c.speed_hz)) bits |= kLimitSession;
  if (bits != 0) return verdicts_.post(c.id, Verdict::kRefusedLimits, bits);
  if (supervisor_.alarms().active != 0) {
    return verdicts_.post(c.id, Verdict::kRefusedAlarms, supervisor_.alarms().active);
  }
  if (!in_.cartridge_present) {
    return verdicts_.post(c.id, Verdict::kRefusedCartridge, kCartridgeMissing);
  }
  if (s != State::kIdle || stopping_ || !depth_.homed() || !supervisor_.request(State::kArmed)) {
    return verdicts_.post(c.id, Verdict::kRefusedState, static_cast<uint32_t>(s));
  }
  armed_.arm(c.depth_um, c.speed_hz, lim);
  armed_cartridge_ = c.cartridge;
  verdicts_.post(c.id, Verdict::kAccepted);
}

void ControlCore::run_armed(int64_t now_ns, int32_t& depth_target, double& speed_target) {
  // The cartridge left while armed: the session's limits and single-use check were for it,
  // not for whatever comes in next. Disarmed; ResumeSession checks the serial again.
  if (!in_.cartridge_present) {
    armed_.disarm();
    supervisor_.request(State::kIdle);
    depth_target = 0;
    return;
  }
  // A lost link stays lost until the alarm has cleared, not just until the next beat.
  const bool link =
      link_alive(now_ns) && !(supervisor_.alarms().active & bit(AlarmCode::kLinkLost));
  const auto d =
      armed_.step(in_, depth_.at_target(stop_target({armed_.depth_um(), 0.0, false})), link);
  depth_target = d.depth_um;
  const State s = supervisor_.state();
  if (d.want != s) supervisor_.request(d.want);
  if (supervisor_.state() == State::kRunning) speed_target = d.speed_hz;
}

bool ControlCore::enter_service(const Command& c, int64_t now_ns, Routine& r) {
  const State s = supervisor_.state();
  if (supervisor_.alarms().active != 0) {
    verdicts_.post(c.id, Verdict::kRefusedAlarms, supervisor_.alarms().active);
    return false;
  }
  if (s != State::kIdle || stopping_ || !supervisor_.request(State::kService)) {
    verdicts_.post(c.id, Verdict::kRefusedState, static_cast<uint32_t>(s));
    return false;
  }
  end_routine(RoutineEnd::kInterrupted, now_ns);  // one SERVICE left in this very tick
  routine_ = &r;
  return true;
}

void ControlCore::run_routine(int64_t now_ns, Targets& t) {
  if (routine_ == nullptr) {  // SERVICE belongs to a routine; none is left to run it
    supervisor_.request(State::kIdle);
    return;
  }
  const RoutineStep step =
      routine_->step({now_ns, in_.cartridge_present, estimator_.speed_hz(), &depth_, &depth_map_});
  if (step.end) {
    end_routine(*step.end, now_ns);
    supervisor_.request(State::kIdle);
    return;  // targets stay 0: the needles retract in this tick
  }
  t.depth_um = step.depth_um;
  t.speed_hz = step.speed_hz;
  t.raw_depth = step.raw_depth;
  t.duty = step.duty;
}

int32_t ControlCore::stop_target(const Targets& t) const {
  if (t.raw_depth || t.depth_um <= 0) return t.depth_um;
  return static_cast<int32_t>(std::lround(depth_map_.position_for(t.depth_um)));
}

void ControlCore::end_routine(RoutineEnd why, int64_t now_ns) {
  if (routine_ == nullptr) return;
  Routine* r = routine_;
  routine_ = nullptr;
  r->ended(why, now_ns);
  emit({now_ns, EventKind::kRoutineEnded, static_cast<uint8_t>(r->kind()),
        static_cast<uint8_t>(why), 0});
}

// One tick, in the order the safety rules need: inputs, then the supervisor's judgement of
// them, then commands (an acknowledgement sees this tick's inputs), then what the mode asks
// of the drive, the outputs, the record and the snapshot. No allocation anywhere below.
void ControlCore::tick(int64_t now_ns, int64_t late_ns, const LoopFigures& loop) {
  const double dt = read_inputs(now_ns);
  supervise(now_ns, late_ns);
  home();
  Targets t;
  const State s = supervisor_.state();
  // SERVICE ended under the routine (a fault, the e-stop): it is told, once.
  if (s != State::kService) end_routine(RoutineEnd::kInterrupted, now_ns);
  if (s == State::kService && !stopping_) run_routine(now_ns, t);
  if ((s == State::kArmed || s == State::kRunning) && !stopping_) {
    run_armed(now_ns, t.depth_um, t.speed_hz);
  } else if (armed_.armed() && s != State::kArmed && s != State::kRunning) {
    armed_.disarm();  // a fault or e-stop ended the session's hold on the needles
  }
  const State after = supervisor_.state();
  write_outputs(now_ns, after, t, dt);
  record_changes(now_ns);
  publish(now_ns, late_ns, loop, after, t);
}

double ControlCore::read_inputs(int64_t now_ns) {
  const hal::IoStatus read = hal_.read(now_ns, in_);
  io_failed_ = !read.ok() || !write_status_.ok();
  for (const hal::IoStatus* st : {static_cast<const hal::IoStatus*>(&write_status_), &read}) {
    if (!st->ok()) hw_fault_ = {static_cast<uint16_t>(st->resource + 1), st->error};
  }
  // Corrected before anything judges them: the monitors see the calibrated values.
  in_.motor_current_ma.value -= sensor_offsets_.current_ma;
  in_.force_n.value -= sensor_offsets_.force_n;
  in_.temperature_c.value -= sensor_offsets_.temperature_c;
  const int64_t dt_ns = prev_t_ns_ < 0 ? cfg_.period_ns : now_ns - prev_t_ns_;
  prev_t_ns_ = now_ns;
  if (out_.motor_enable) motor_on_ns_ += dt_ns;  // the drive was on since the last tick
  estimator_.update(in_);
  total_edges_ += in_.tach_edges;
  return static_cast<double>(dt_ns) * 1e-9;
}

void ControlCore::supervise(int64_t now_ns, int64_t late_ns) {
  // LINK_LOST: the owner's link lapsed while the needles ran; it holds until the link is back.
  {
    const State st = supervisor_.state();
    const bool alive = link_alive(now_ns);
    if (st == State::kRunning && !alive) link_lost_ = true;
    if (alive || (st != State::kArmed && st != State::kRunning)) link_lost_ = false;
  }
  // Conditions first, so commands (an acknowledgement above all) see this tick's inputs.
  supervisor_.update(now_ns, monitors_.evaluate(in_, monitor_view(late_ns)));
  // A failed homing raises its alarm once; homing starts over after the acknowledgement.
  if (depth_.homing() == DepthController::Homing::kFailed) depth_.abandon_homing();
  // A bounded number of commands per tick keeps the tick's work bounded.
  Command c;
  for (int n = 0; n < 8 && commands_.try_pop(c); ++n) handle(c, now_ns);
}

void ControlCore::home() {
  if (supervisor_.state() == State::kBoot) supervisor_.request(State::kHoming);
  if (supervisor_.state() == State::kHoming) {
    if (depth_.homing() != DepthController::Homing::kSeeking && !depth_.homed()) {
      depth_.start_homing();
    }
    if (depth_.homed()) supervisor_.request(State::kIdle);
  }
}

namespace {

hal::Led led_for(State s) {
  switch (s) {
    case State::kFault:
    case State::kEstop:
      return hal::Led::kRed;
    case State::kRunning:
    case State::kService:
      return hal::Led::kBlue;
    case State::kIdle:
    case State::kArmed:
      return hal::Led::kGreen;
    default:
      return hal::Led::kAmber;
  }
}

}  // namespace

void ControlCore::write_outputs(int64_t now_ns, State after, const Targets& t, double dt) {
  const double supply = in_.supply_v.ok ? in_.supply_v.value : 0.0;
  const double current = in_.motor_current_ma.ok ? in_.motor_current_ma.value : 0.0;
  if (t.speed_hz > 0.0 && !out_.motor_enable) cartridge_at_drive_start_ = in_.cartridge_present;
  speed_target_ = t.speed_hz;
  open_loop_ = t.duty >= 0.0 && t.speed_hz > 0.0;
  if (open_loop_) speed_.reset();  // so the loop starts afresh when it has the drive again
  const double duty = open_loop_
                          ? t.duty
                          : speed_.update(t.speed_hz, estimator_.speed_hz(),
                                          estimator_.measured_at_ns(), now_ns, supply, current, dt);
  const DriveOutputs drive =
      drive_outputs(after, t.speed_hz > 0.0, duty,
                    (supervisor_.alarms().active & bit(AlarmCode::kLoopOverrun)) == 0);
  out_.motor_enable = drive.enable;
  out_.motor_duty = drive.duty;
  out_.motor_brake = drive.brake;
  if (drive.kick_watchdog) out_.watchdog = !out_.watchdog;
  const double sensor =
      in_.position_um.ok ? in_.position_um.value : std::numeric_limits<double>::quiet_NaN();
  out_.stepper_steps = depth_.update(stop_target(t), in_.home_switch, sensor, dt);
  out_.stepper_enable = true;
  out_.buzzer = supervisor_.alarms().any_high();
  out_.led = led_for(after);
  write_status_ = hal_.write(now_ns, out_);
  // What failed stays on show while its alarm does.
  if (!(supervisor_.alarms().active & bit(AlarmCode::kHardwareFault)) && !io_failed_ &&
      write_status_.ok()) {
    hw_fault_ = {};
  }
}

void ControlCore::publish(int64_t now_ns, int64_t late_ns, const LoopFigures& loop, State after,
                          const Targets& t) {
  Snapshot snap;
  snap.tick = tick_++;
  snap.t_ns = now_ns;
  snap.state = after;
  snap.homed = depth_.homed();
  snap.depth_at_target = (t.depth_um > 0 || t.raw_depth) && depth_.at_target(stop_target(t));
  snap.depth_target_um = t.depth_um;
  // What people see is the needles' protrusion, through the calibration; the stop's own
  // position stays in the snapshot for calibration.
  snap.depth_position_um =
      in_.position_um.ok ? static_cast<int32_t>(std::lround(in_.position_um.value)) : 0;
  snap.depth_um =
      in_.position_um.ok
          ? static_cast<int32_t>(std::lround(depth_map_.protrusion_at(in_.position_um.value)))
          : 0;
  snap.speed_target_hz = t.speed_hz;
  snap.speed_hz = estimator_.speed_hz();
  snap.motor_duty = out_.motor_duty;
  snap.motor_enabled = out_.motor_enable;
  snap.motor_current_ma = in_.motor_current_ma.value;
  snap.force_n = in_.force_n.value;
  snap.temperature_c = in_.temperature_c.value;
  snap.supply_v = in_.supply_v.value;
  snap.sensor_offsets = sensor_offsets_;
  snap.trigger = in_.trigger;
  snap.pedal = in_.pedal;
  snap.estop = in_.estop_pressed;
  snap.cartridge_present = in_.cartridge_present;
  snap.home_switch = in_.home_switch;
  snap.alarms = supervisor_.alarms();
  snap.strokes = total_edges_ / geo_.tach_edges_per_rev;
  snap.motor_on_ms = motor_on_ns_ / 1'000'000;
  if (after == State::kService && routine_ != nullptr) {
    snap.service_remaining_ms = routine_->remaining_ms(now_ns);
  }
  snap.hw_resource = hw_fault_.resource;
  snap.hw_errno = hw_fault_.error;
  snap.late_us = late_ns > 0 ? static_cast<uint32_t>(late_ns / 1000) : 0;
  snap.loop = loop;
  ring_.publish(snap);
}

}  // namespace dermad::control
