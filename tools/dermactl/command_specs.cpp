#include "tools/dermactl/command_specs.hpp"

namespace dermad::ctl {

const std::vector<CommandSpec>& command_specs() {
  static const std::vector<CommandSpec> table = {
      {"status", "show the device state, sensors, inputs, alarms and loop timing", "", {}, ""},
      {"info",
       "show what the device is: version, backend, limits, real-time scheduling",
       "",
       {},
       ""},
      {"watch",
       "stream live telemetry until Ctrl-C or --count samples",
       "",
       {
           {"rate", "HZ", "samples per second of device time, Hz, 0 < HZ <= 1000", "10"},
           {"count", "N", "stop after N samples; 0 = until Ctrl-C", "0"},
       },
       "On a terminal the view redraws in place; otherwise one line per sample.\n"
       "With --json, one JSON object per line per sample."},
      {"jog",
       "run the needle drive for a bounded time (engineering service run, from IDLE)",
       "",
       {
           {"depth-um", "N", "needle depth, micrometres (um)", "", true},
           {"speed-hz", "F", "needle speed, strokes per second (Hz)", "", true},
           {"duration-ms", "T", "run time, milliseconds, 1..10000", "", true},
           {"detach", "", "return once the run has started instead of following it", ""},
       },
       "Follows the run until it ends, showing its progress on a terminal; Ctrl-C stops it\n"
       "(drive off, needles retracted). Exit 0 when it ran its time or was stopped, 1 when\n"
       "an alarm or the e-stop ended it. dermad refuses values outside the device limits\n"
       "(see `dermactl info`), and any jog while a cartridge is inserted (remove it first).\n"
       "Needs the engineer role. With --json, the start and the end as one object each."},
      {"selftest",
       "test the sensors and the needle drive (about 5 s; remove the cartridge first)",
       "",
       {},
       "Checks supply, temperature and the home position, then runs the needle drive at\n"
       "500 um / 50 Hz, 1000 um / 100 Hz and 2000 um / 150 Hz, judging depth and speed at\n"
       "every tick. Stops at the first failed step. Exit 0 when every step passed, 1 when one\n"
       "failed, 3 when dermad refuses to start it (not IDLE, alarms, a cartridge in).\n"
       "With --json, one JSON object per step."},
      {"calibrate depth",
       "make the needles' depth true: the pen holds each point, you measure it with a gauge",
       "",
       {{"points", "LIST", "stop positions, um, ascending, 3..16 of them",
         "0,250,500,1000,1500,2000"},
        {"readings", "FILE",
         "the gauge readings, um, one a line in the order of the points, "
         "instead of asking (- for standard input)",
         ""},
        {"report", "FILE.html", "also write the staged result as a page for a browser", ""}},
       "From IDLE, homed, without alarms; put a cartridge in: the gauge measures its needles.\n"
       "At each point the pen holds the needle stop (drive off) and asks for the needles'\n"
       "protrusion; enter it in um, or q to abort. A reading outside -50..2600 um is asked\n"
       "again. dermad then fits the points (linear, or between the points when a line is\n"
       "not good enough) and stages the result when its worst residual is within 20 um.\n"
       "Nothing changes the pen until `dermactl calibration commit depth`. Ctrl-C aborts\n"
       "(needles home, the old calibration stays). Exit 0 when staged, 1 when refused or\n"
       "aborted, 3 when dermad will not start it. Needs the engineer role.\n"
       "Example:\n"
       "  dermactl calibrate depth --readings gauge.txt"},
      {"calibrate speed",
       "tune the needle speed loop to this pen's motor: a sweep, then a relay test (~10 s)",
       "",
       {{"sweep", "LIST", "the sweep's speeds, Hz, ascending, 6..12 of them",
         "50,70,90,110,130,150"},
        {"report", "FILE.html", "also write the staged result as a page for a browser", ""}},
       "From IDLE, homed, without alarms, and without a cartridge: the drive runs free with\n"
       "the needles at their shallowest. At each speed of the sweep the speed loop holds it\n"
       "and dermad measures the duty it takes; the motor's feed-forward is fitted to them.\n"
       "Then a relay test: the drive switched about its bias as the speed crosses 100 Hz; the\n"
       "swing identifies the motor, and PI gains are tuned on it and checked (overshoot 10 %\n"
       "at most, phase margin 45 degrees at least). Staged until `dermactl calibration\n"
       "commit speed`. Ctrl-C aborts (drive off). Exit 0 when staged, 1 when refused or\n"
       "aborted, 3 when dermad will not start it. Needs the engineer role."},
      {"calibrate sensors",
       "zero the motor current and force sensors and true the temperature sensor (~1 s)",
       "",
       {{"reference-c", "C",
         "the reference thermometer's reading at the handpiece, 10..40 C "
         "(asked for when left out)",
         ""},
        {"report", "FILE.html", "also write the staged result as a page for a browser", ""}},
       "From IDLE, homed, without alarms. Lay the pen down with nothing touching the needle\n"
       "tip and a reference thermometer against the handpiece, and let both settle. The pen\n"
       "holds the needles home with the drive off and averages each sensor for half a second:\n"
       "the current and force read then are their zeros, the temperature less the reference\n"
       "its offset. Refused when a sensor is not steady (something moved) or an offset is\n"
       "beyond what a calibration may take out (150 mA, 1.5 N, 5 C: the sensor wants repair).\n"
       "Staged until `dermactl calibration commit sensors`. Exit 0 when staged, 1 when\n"
       "refused or aborted, 3 when dermad will not start it. Needs the engineer role.\n"
       "Example:\n"
       "  dermactl calibrate sensors --reference-c 23.4"},
      {"calibration show",
       "the staged calibration: its points, fit and residuals, before you commit it",
       "[KIND]",
       {{"report", "FILE.html", "also write it as a page for a browser, with plots", ""}},
       "KIND is depth (the default), speed or sensors. Exit 3 when none is staged."},
      {"calibration commit",
       "put the staged calibration in force now, and record it with you and its due date",
       "[KIND]",
       {{"report", "FILE.html", "also write what was committed, by whom, as a page", ""}},
       "From IDLE. The commit is recorded (who, when, the values, the residuals, the due\n"
       "date from dermad's --calibration-interval) and takes effect at once."},
      {"calibration discard",
       "drop the staged calibration; the one in force stays",
       "[KIND]",
       {},
       ""},
      {"calibration history",
       "the committed calibrations, oldest first, and which is in force",
       "",
       {{"kind", "KIND", "only this kind: depth, speed or sensors", ""},
        {"last", "N", "the newest N, 1..10000", "100", false, false, 'n'}},
       "Sessions are refused with CALIBRATION_DUE when the calibration in force is past due.\n"
       "With --json, one JSON object per calibration and line."},
      {"alarms", "list the active alarms", "", {}, ""},
      {"alarms ack",
       "acknowledge latched alarms whose condition has cleared",
       "CODE...",
       {{"all", "", "acknowledge every latched alarm instead of the listed CODEs", ""}},
       "Give alarm codes (e.g. ESTOP) or --all."},
      {"alarms history",
       "the recorded alarms: when each was raised, when and how it ended, who acknowledged it",
       "",
       {{"last", "N", "the newest N matching alarms, 1..1000", "100", false, false, 'n'},
        {"since", "WHEN", "only alarms raised at or after WHEN", ""},
        {"until", "WHEN", "only alarms raised before WHEN", ""},
        {"code", "CODE", "only this alarm, e.g. motor-stall", "", false, true},
        {"session", "ID", "only the alarms of this session", ""},
        {"limit", "N", "the same as --last (kept for scripts)", ""}},
       "Oldest first. HOW is acknowledged (a latching alarm, after its cause went away) or\n"
       "cleared (its cause went away by itself); BY is who acknowledged it, as dermad knew\n"
       "the caller: unix user and process, or the TLS certificate's name, with their role.\n"
       "WHEN is a UTC time, YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS], or an age: 30s, 15m, 2h,\n"
       "7d. With --json, one JSON object per alarm and line.\n"
       "Examples:\n"
       "  dermactl alarms history -n 10\n"
       "  dermactl alarms history --code motor-stall --since 30d"},
      {"logs",
       "the device's event log: state changes, alarms, sessions, daemon starts and stops",
       "",
       {{"last", "N", "only the newest N matching events", "all", false, false, 'n'},
        {"since", "WHEN", "only events at or after WHEN", ""},
        {"until", "WHEN", "only events before WHEN", ""},
        {"kind", "KIND", "only events of this kind, e.g. alarm_raised", "", false, true},
        {"severity", "LEVEL", "only events this severe or worse: info, warning, alarm", ""},
        {"session", "ID", "only this session's events", ""},
        {"after", "SEQ", "only events after this sequence number", "0"},
        {"limit", "N", "at most N events; 0 = all", "0"},
        {"follow", "", "go on with new events as they are stored, until Ctrl-C", ""},
        {"verify", "", "check the hash chain instead: exit 0 when intact, 1 when not", ""}},
       "WHEN is a UTC time, YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS], or an age: 30s, 15m, 2h, 7d.\n"
       "Kinds: state_changed, alarm_raised, alarm_cleared, alarm_acknowledged,\n"
       "cartridge_inserted, cartridge_removed, session_started, session_updated,\n"
       "session_resumed, session_ended, session_aborted, self_test, jog, routine_ended,\n"
       "counters, daemon_started, daemon_stopped, config_loaded, call_refused, events_lost,\n"
       "records_untrusted, records_accepted.\n"
       "Oldest first. With --json, one JSON object per event and line, its details an object.\n"
       "Examples:\n"
       "  dermactl logs -n 20 --severity warning\n"
       "  dermactl logs --kind alarm_raised --since 7d\n"
       "  dermactl logs --session S20261202-101500-3 --follow"},
      {"cartridges",
       "the cartridge registry: every cartridge this pen has seen, and whether it is spent",
       "",
       {{"serial", "SERIAL", "only this cartridge (refused, exit 3, if the pen never saw it)", ""},
        {"limit", "N", "the newest N of them by first sight, 1..1000", "100"}},
       "Oldest first. Cartridges are single use: a used one may not begin another session.\n"
       "TYPE is unread for a cartridge whose EEPROM was never read (registered by its\n"
       "session alone). With --json, one JSON object per cartridge and line."},
      {"sessions",
       "list the recorded sessions: who, when, how they ended",
       "",
       {{"since", "YYYY-MM-DD", "only sessions started on or after this day (UTC)", "all"},
        {"limit", "N", "the newest N of them, 1..1000", "100"}},
       "Oldest first. Aborted sessions are those the daemon stopped or lost (crash, power\n"
       "cut) before they were ended. With --json, one JSON object per session and line (the\n"
       "fields of `session show`)."},
      {"records",
       "where the records are, how big, whether they can be written and trusted",
       "",
       {},
       "When RECORDS_FAILED is raised, this says why (e.g. the disk or the cap is full);\n"
       "when RECORDS_UNTRUSTED is, why they are not trusted (see `records accept`)."},
      {"records accept",
       "accept records that are not trusted, once you have looked (engineers)",
       "",
       {{"reason", "TEXT", "what you found and did; it is recorded", "", true}},
       "RECORDS_UNTRUSTED means the hash chain was broken at start, or the records lost what\n"
       "their witness saw (an emptied file, a lost WAL, a restored copy). Find out why first\n"
       "(`dermactl records`, `dermactl logs --verify`); then accept them as they are. The\n"
       "reason is recorded, the witness starts afresh, and the alarm can be acknowledged\n"
       "(`dermactl alarms ack RECORDS_UNTRUSTED`). Exit 3 when they are trusted already."},
      {"report",
       "write one HTML file for a service ticket: identity, status, records, alarms, events",
       "FILE",
       {{"events", "N", "how many of the newest events it lists, 0..100000", "200"},
        {"alarms", "N", "how many of the newest alarms it lists, 0..1000", "100"}},
       "The file opens in any browser, offline: no script, nothing fetched. It holds the pen's\n"
       "identity and configuration, status, counters, the records and their verification,\n"
       "the last self-test, the alarm history (who acknowledged each) and the recent events.\n"
       "Patient references in events are withheld. FILE is replaced whole (never half\n"
       "written), mode 0644; - writes the page to standard output. A section dermad would not\n"
       "give (an engineer's call made by a clinician) says why in the page; dermactl then\n"
       "names it on stderr and exits 1. Exit 4 when dermad cannot be reached: no file then.\n"
       "Example:\n"
       "  dermactl report pen-ticket-4711.html"},
      {"fleet",
       "where the records are shipped: endpoint, connected, cursor, backlog, last error",
       "",
       {},
       "The fleet uploader (dermad --fleet FILE, docs/FLEET.md): the ingest service it sends\n"
       "to, whether the last upload went through, the highest event the fleet acknowledged,\n"
       "how many wait, how many the fleet refused (set aside: sent as their place alone), the\n"
       "last error and success, and when it tries again. Without a fleet file: not\n"
       "configured, and every event waits on the pen."},
      {"counters",
       "the device's lifetime counters: strokes, motor run time, sessions, faults",
       "",
       {},
       "As stored: at most a second behind the running pen."},
      {"protocols",
       "list the treatment protocols: zones, depth and speed limits, cartridges",
       "",
       {},
       ""},
      {"screen",
       "screen a patient: the findings that block or need acknowledging",
       "",
       {{"answers", "FILE", "JSON answers, - for standard input", "", true}},
       "The answers file is one JSON object; absent fields are false or never:\n"
       "  {\"active_infection\": false, \"chronic_skin_disorder\": false,\n"
       "   \"poor_wound_healing\": false, \"pregnant\": false, \"consultation_done\": true,\n"
       "   \"isotretinoin_last_dose\": \"YYYY-MM-DD\", \"anticoagulant_last_dose\": null,\n"
       "   \"retinoid_or_acid_last_use\": null, \"sun_exposure_last\": null}"},
      {"session start",
       "arm a treatment session; the needles run only while `session attach` holds the link",
       "",
       {
           {"protocol", "P", "treatment protocol id (see `dermactl protocols`)", "", true},
           {"zone", "Z", "treatment zone of the protocol, e.g. forehead", "", true},
           {"depth-um", "N", "needle depth, micrometres (um), within the zone's limits", "", true},
           {"speed-hz", "F", "needle speed, strokes per second (Hz), within the protocol's limits",
            "", true},
           {"answers", "FILE",
            "screening answers as JSON (see `dermactl screen --help`), - for "
            "standard input",
            "", true},
           {"ack", "RULE", "acknowledge the screening finding RULE, e.g. anticoagulants", "", false,
            true},
           {"operator", "ID", "who treats, kept in the session record", ""},
           {"patient", "REF", "patient reference, kept in the record (opaque to the device)", ""},
           {"material", "NAME:LOT", "a material the protocol records, with its lot", "", false,
            true},
       },
       "State ARMED: the needle stop moves to the depth, the drive stays off. dermad refuses\n"
       "with every reason at once, each printed on its own line.\n"
       "The owner token is kept in $DERMACTL_SESSION_FILE, else\n"
       "$XDG_STATE_HOME/dermactl/session.json, else ~/.local/state/dermactl/session.json\n"
       "(mode 0600) for session update, attach and end; --json prints it as owner_token."},
      {"session update",
       "change the session's zone, depth or speed, or record materials (owner only)",
       "",
       {
           {"zone", "Z", "treatment zone of the protocol", "unchanged"},
           {"depth-um", "N", "needle depth, micrometres (um), within the zone's limits",
            "unchanged"},
           {"speed-hz", "F", "needle speed, strokes per second (Hz), within the protocol's limits",
            "unchanged"},
           {"material", "NAME:LOT", "add a material with its lot to the session's", "", false,
            true},
       },
       "Give at least one option. Uses the owner token of `dermactl session start`."},
      {"session attach",
       "hold the owner's link and show the live session until Ctrl-C",
       "",
       {{"count", "N", "stop after N messages (about 10 per second); 0 = until Ctrl-C", "0"}},
       "The needles may run only while this link is open: letting go (Ctrl-C, exit 0) stops\n"
       "them within 0.5 s with LINK_LOST; attach again, then release and press the trigger\n"
       "again to go on. Each state read is acknowledged to the device: a stopped dermactl\n"
       "(Ctrl-Z) stops the needles like a closed one. Stops by itself once the\n"
       "session has ended. On a terminal the view redraws in place; otherwise one line per\n"
       "message. With --json, one JSON object per line: session_id, protocol, zone, depth_um,\n"
       "speed_hz, state, run_s, strokes, active."},
      {"session resume",
       "arm the session again after a fault or the e-stop, once its alarms are acknowledged",
       "",
       {},
       "Same zone, depth, speed and cartridge as before; refused with every reason when the\n"
       "device is not IDLE, alarms are active or another cartridge is in. Owner only."},
      {"session end",
       "disarm (needles retracted) and print the session summary and aftercare",
       "",
       {},
       "Uses the owner token of `dermactl session start` and forgets it afterwards."},
      {"session show",
       "print a session summary from the records: session ID, else the active or the last one",
       "[ID]",
       {},
       "Anyone may look; no owner token needed."},
      {"sim trigger",
       "simulator: hold (on) or release (off) the handpiece trigger",
       "on|off",
       {},
       ""},
      {"sim pedal", "simulator: press (on) or release (off) the foot pedal", "on|off", {}, ""},
      {"sim estop", "simulator: press (on) or release (off) the emergency stop", "on|off", {}, ""},
      {"sim cartridge insert",
       "simulator: insert a needle cartridge",
       "",
       {
           {"serial", "S", "cartridge serial number", "SIM-0001"},
           {"type", "TYPE", "cartridge type: standard, nano or gold-nano", "standard"},
           {"needles", "N", "needle count, 1..100", "12"},
           {"expires", "YYYY-MM-DD", "expiry date", "one year from today"},
           {"lot", "L", "production lot", "SIM-LOT"},
           {"bad-checksum", "", "its EEPROM image fails the checksum (an invalid cartridge)", ""},
       },
       ""},
      {"sim cartridge remove", "simulator: remove the needle cartridge", "", {}, ""},
      {"sim contact",
       "simulator: set the skin-contact force on the needles",
       "",
       {{"force-n", "F", "contact force, newtons (N), 0..20", "", true}},
       ""},
      {"sim fault",
       "simulator: inject (on) or clear (off) a fault of the pen",
       "KIND on|off",
       {},
       "KIND: motor-stall, tach-loss, position-sensor-stuck, missed-steps, overcurrent,\n"
       "overtemp, supply-sag, loop-stall, adc-read-error, loop-hang (the control thread blocked\n"
       "until cleared, at most 10 s: under systemd its watchdog stops being fed). The supervisor\n"
       "must catch each: watch the alarms, then `dermactl alarms ack CODE` once the fault is off."},
      {"sim errors",
       "simulator: give the pen the errors calibration takes out; show them",
       "",
       {{"position-scale", "F", "the position sensor reads F x true ..., 0.8..1.2", "1"},
        {"position-offset-um", "N", "... + N um, -500..500", "0"},
        {"protrusion-offset-um", "N", "needles stand out N um beyond the stop, -500..500", "0"},
        {"motor-k-drift", "F", "motor constant (1 + F) x nominal, -0.5..0.5", "0"},
        {"current-offset-ma", "N", "the current sensor reads N mA above true, -300..300", "0"},
        {"force-offset-n", "F", "the force sensor reads F N above true, -3..3", "0"},
        {"temperature-offset-c", "F", "the temperature sensor reads F C above true, -10..10", "0"}},
       "Options left out keep their error; none shows them all. A real pen has each: a\n"
       "position sensor's gain and zero, cartridge and needle tolerances, an aged motor, an\n"
       "amplifier's zero, a load cell's preload, a thermistor's tolerance.\n"
       "Example (the depth error calibration must take out):\n"
       "  dermactl sim errors --position-scale 1.03 --position-offset-um 40"},
      {"sim gauge",
       "simulator: read the needles' true protrusion, as a dial gauge would",
       "",
       {},
       "The depth the needles really stand out, whatever the position sensor says; it stands in\n"
       "for the engineer's gauge in depth calibration. Also the handpiece's true temperature:\n"
       "the reference thermometer of `dermactl calibrate sensors`."},
  };
  return table;
}

}  // namespace dermad::ctl
