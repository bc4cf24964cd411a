// Domain snapshot -> API messages. Translation only: no rules live here.
#pragma once

#include <string>

#include "daemon/control/command.hpp"
#include "daemon/control/snapshot.hpp"
#include "dermad/v1/device.pb.h"

namespace dermad::api {

v1::State to_proto(control::State s);
void fill_status(const control::Snapshot& s, v1::Status& out);
void fill_sample(const control::Snapshot& s, v1::TelemetrySample& out);

// "ESTOP, MOTOR_STALL" for the alarms in `mask`.
std::string alarm_names(uint32_t mask);
// Alarm code name -> bit; 0 if unknown.
uint32_t alarm_bit(const std::string& code);

// Why the loop refused a command because of the device state or alarms, for a person.
std::string refusal_text(control::Verdict v, uint32_t detail, const std::string& what);

}  // namespace dermad::api
