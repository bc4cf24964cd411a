#include "daemon/api/convert.hpp"

#include <cstring>
#include <sstream>

namespace dermad::api {

using control::AlarmCode;
using control::kAlarmCount;
using control::kAlarmTable;

v1::AlarmPriority to_proto(control::Priority p) {
  switch (p) {
    case control::Priority::kLow:
      return v1::ALARM_PRIORITY_LOW;
    case control::Priority::kMedium:
      return v1::ALARM_PRIORITY_MEDIUM;
    case control::Priority::kHigh:
      return v1::ALARM_PRIORITY_HIGH;
  }
  return v1::ALARM_PRIORITY_UNSPECIFIED;
}

v1::State to_proto(control::State s) {
  switch (s) {
    case control::State::kBoot:
      return v1::STATE_BOOT;
    case control::State::kHoming:
      return v1::STATE_HOMING;
    case control::State::kIdle:
      return v1::STATE_IDLE;
    case control::State::kArmed:
      return v1::STATE_ARMED;
    case control::State::kRunning:
      return v1::STATE_RUNNING;
    case control::State::kService:
      return v1::STATE_SERVICE;
    case control::State::kFault:
      return v1::STATE_FAULT;
    case control::State::kEstop:
      return v1::STATE_ESTOP;
  }
  return v1::STATE_UNSPECIFIED;
}

namespace {

template <typename Msg>
void fill_inputs(const control::Snapshot& s, Msg& out) {
  auto* in = out.mutable_inputs();
  in->set_trigger(s.trigger);
  in->set_pedal(s.pedal);
  in->set_estop(s.estop);
  in->set_cartridge_present(s.cartridge_present);
  in->set_home_switch(s.home_switch);
}

template <typename Msg>
void fill_alarms(const control::Snapshot& s, Msg& out, const std::vector<std::string>& resources) {
  const control::AlarmSet& a = s.alarms;
  for (std::size_t i = 0; i < kAlarmCount; ++i) {
    if (!(a.active & (1u << i))) continue;
    const auto& info = kAlarmTable[i];
    auto* al = out.add_alarms();
    al->set_code(std::string(info.code));
    al->set_priority(to_proto(info.priority));
    al->set_since_ns(a.since_ns[i]);
    al->set_text(i == static_cast<std::size_t>(AlarmCode::kHardwareFault)
                     ? hardware_fault_text(s, resources)
                     : std::string(info.text));
    al->set_latched(info.latches);
    al->set_condition_active((a.condition & (1u << i)) != 0);
  }
}

// The fields Status and TelemetrySample share.
template <typename Msg>
void fill_common(const control::Snapshot& s, Msg& out, const std::vector<std::string>& resources) {
  out.set_t_ns(s.t_ns);
  out.set_state(to_proto(s.state));
  out.set_depth_target_um(s.depth_target_um);
  out.set_depth_um(s.depth_um);
  out.set_speed_target_hz(s.speed_target_hz);
  out.set_speed_hz(s.speed_hz);
  out.set_motor_duty(s.motor_duty);
  out.set_motor_enabled(s.motor_enabled);
  out.set_motor_current_ma(s.motor_current_ma);
  out.set_force_n(s.force_n);
  out.set_temperature_c(s.temperature_c);
  out.set_supply_v(s.supply_v);
  fill_inputs(s, out);
  fill_alarms(s, out, resources);
}

}  // namespace

v1::CartridgeType to_proto(hal::CartridgeType t) {
  switch (t) {
    case hal::CartridgeType::kStandard:
      return v1::CARTRIDGE_TYPE_STANDARD;
    case hal::CartridgeType::kNano:
      return v1::CARTRIDGE_TYPE_NANO;
    case hal::CartridgeType::kGoldNano:
      return v1::CARTRIDGE_TYPE_GOLD_NANO;
    case hal::CartridgeType::kUnknown:
      break;
  }
  return v1::CARTRIDGE_TYPE_UNSPECIFIED;
}

void fill_cartridge(const hal::CartridgeInfo& c, v1::Cartridge& out) {
  out.set_serial(c.serial);
  out.set_type(to_proto(c.type));
  out.set_needles(c.needles);
  out.set_lot(c.lot);
  out.set_expires(c.expires);
  out.set_valid(c.checksum_ok);
  out.set_problem(c.problem);
}

std::string hardware_fault_text(const control::Snapshot& s,
                                const std::vector<std::string>& resources) {
  std::string text(kAlarmTable[static_cast<std::size_t>(AlarmCode::kHardwareFault)].text);
  if (s.hw_resource == 0) return text;
  const std::size_t i = s.hw_resource - 1u;
  text += ": " + (i < resources.size() ? resources[i] : "resource " + std::to_string(i));
  if (s.hw_errno != 0) text += ": " + std::string(std::strerror(s.hw_errno));
  return text;
}

void fill_status(const control::Snapshot& s, v1::Status& out,
                 const std::vector<std::string>& resources) {
  fill_common(s, out, resources);
  out.set_homed(s.homed);
  out.set_strokes(s.strokes);
  out.set_service_remaining_ms(s.service_remaining_ms);
  auto* l = out.mutable_loop();
  l->set_ticks(s.loop.ticks);
  l->set_overruns(s.loop.overruns);
  l->set_missed_periods(s.loop.missed_periods);
  l->set_late_p50_us(s.loop.late_p50_us);
  l->set_late_p99_us(s.loop.late_p99_us);
  l->set_late_max_us(s.loop.late_max_us);
  l->set_period_us(s.loop.period_us);
}

void fill_sample(const control::Snapshot& s, v1::TelemetrySample& out,
                 const std::vector<std::string>& resources) {
  fill_common(s, out, resources);
  out.set_tick(s.tick);
  out.set_loop_late_us(s.late_us);
}

uint32_t alarm_bit(const std::string& code) {
  for (std::size_t i = 0; i < kAlarmCount; ++i) {
    if (kAlarmTable[i].code == code) return 1u << i;
  }
  return 0;
}

std::string refusal_text(control::Verdict v, uint32_t detail, const std::string& what) {
  std::ostringstream o;
  switch (v) {
    case control::Verdict::kRefusedState:
      o << what << " needs state IDLE; the device is "
        << control::to_string(static_cast<control::State>(detail));
      break;
    case control::Verdict::kRefusedAlarms:
      o << what << " refused while alarms are active (" << control::alarm_codes(detail)
        << "); acknowledge them once their cause is gone";
      break;
    case control::Verdict::kRefusedCartridge:
      if (detail == control::kCartridgeInserted) {
        o << what << " refused: a cartridge is inserted; service runs drive the needles "
          << "outside any session and never run with a cartridge in: remove it";
      } else {
        o << what << " refused: no cartridge";
      }
      break;
    case control::Verdict::kPending:
      o << what << ": the control loop did not take the request";
      break;
    default:
      o << what << " refused";
  }
  return o.str();
}

}  // namespace dermad::api
