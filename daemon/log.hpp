// Logging for the I/O side, never the control thread. Under systemd (or with --log journal)
// each line goes to the journal with its priority and dermad's own fields, so that
// `journalctl -u dermad DERMAD_ALARM=MOTOR_STALL` finds them (docs/DEPLOY.md); on a terminal
// it is a plain line on stderr with the wall time.
#pragma once

#include <string_view>

namespace dermad {

// What a line is about, as journal fields: DERMAD_EVENT (a record's kind), DERMAD_SESSION,
// DERMAD_ALARM. Empty ones are left out.
struct LogFields {
  std::string_view event, session, alarm;
};

enum class LogTarget {
  kAuto,     // the journal when stderr is systemd's journal stream ($JOURNAL_STREAM), else stderr
  kConsole,  // plain lines on stderr
  kJournal,  // the journal (a line it refuses goes to stderr instead)
};

// Where lines go from now on; set once, at start, before other threads log.
void set_log_target(LogTarget target);
bool logging_to_journal();

// `level`: "ERROR", "WARNING", "INFO" or "DEBUG" (the journal's PRIORITY 3, 4, 6, 7).
void log(std::string_view level, std::string_view msg, const LogFields& fields = {});

}  // namespace dermad
