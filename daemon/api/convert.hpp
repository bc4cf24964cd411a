// Domain snapshot -> API messages. Translation only: no rules live here.
#pragma once

#include <string>
#include <vector>

#include "daemon/control/command.hpp"
#include "daemon/control/snapshot.hpp"
#include "dermad/v1/device.pb.h"
#include "hal/cartridge.hpp"

namespace dermad::api {

v1::State to_proto(control::State s);
v1::AlarmPriority to_proto(control::Priority p);
v1::CartridgeType to_proto(hal::CartridgeType t);
// `resources` are the HAL's (Hal::resources()): HARDWARE_FAULT's text names the one that failed.
void fill_status(const control::Snapshot& s, v1::Status& out,
                 const std::vector<std::string>& resources);
void fill_sample(const control::Snapshot& s, v1::TelemetrySample& out,
                 const std::vector<std::string>& resources);
// "Hardware read or write failed: ESTOP (gpio dermad:13): No such device".
std::string hardware_fault_text(const control::Snapshot& s,
                                const std::vector<std::string>& resources);

void fill_cartridge(const hal::CartridgeInfo& c, v1::Cartridge& out);

// Alarm code name -> bit; 0 if unknown.
uint32_t alarm_bit(const std::string& code);

// Why the loop refused a command because of the device state or alarms, for a person.
std::string refusal_text(control::Verdict v, uint32_t detail, const std::string& what);

}  // namespace dermad::api
