// The device's records as dermactl's JSON objects: what `--json` prints one per line, and
// what `report` lays out as tables. One builder per message, so the two never disagree.
#pragma once

#include <cstdint>
#include <string>

#include "dermad/v1/log.pb.h"
#include "tools/dermactl/json.hpp"

namespace dermad::ctl {

// "2026-12-02T16:20:01.123Z".
std::string utc_text(std::int64_t wall_ns);

Json counters_json(const v1::Counters& c);
Json fleet_json(const v1::FleetStatus& f);
Json records_info_json(const v1::RecordsInfo& info);
Json verify_json(const v1::VerifyLogResponse& r);
Json alarm_record_json(const v1::AlarmRecord& a);
Json cartridge_record_json(const v1::CartridgeRecord& c);
// With `details` as the object it is (a text that is not JSON stays a string).
Json event_json(const v1::LogEvent& e);

// A registry cartridge's type; "unread" for one registered by its session alone, whose
// EEPROM dermad never read.
std::string cartridge_record_type(const v1::CartridgeRecord& c);

}  // namespace dermad::ctl
