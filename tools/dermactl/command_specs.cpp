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
       },
       "dermad refuses values outside the device limits (see `dermactl info`)."},
      {"alarms", "list the active alarms", "", {}, ""},
      {"alarms ack",
       "acknowledge latched alarms whose condition has cleared",
       "CODE...",
       {{"all", "", "acknowledge every latched alarm instead of the listed CODEs", ""}},
       "Give alarm codes (e.g. ESTOP) or --all."},
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
       "overtemp, supply-sag, loop-stall. The supervisor must catch each: watch the alarms,\n"
       "then `dermactl alarms ack CODE` once the fault is off."},
  };
  return table;
}

}  // namespace dermad::ctl
