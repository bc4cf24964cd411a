// The records in the journal: each event, once committed, as a line with its priority (by
// severity) and fields (DERMAD_EVENT, DERMAD_SESSION, DERMAD_ALARM), so `journalctl -u
// dermad DERMAD_ALARM=MOTOR_STALL` lists every MOTOR_STALL raised, acknowledged and cleared.
#pragma once

#include <string>
#include <vector>

#include "daemon/store/event_log.hpp"

namespace dermad {

// The line an event makes: "event 42 alarm_raised: {"code":"MOTOR_STALL"}" (details cut
// at 1000 bytes), and its alarm's code for the alarm events ("" else).
std::string journal_line(const store::Event& e);
std::string journal_alarm(const store::Event& e);

// Logs each of `events` (Store::on_appended).
void journal_events(const std::vector<store::Event>& events);

}  // namespace dermad
