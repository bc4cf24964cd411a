// The test's line protocol to the plant (one command per line on the control FIFO):
//
//   estop press|release      trigger press|release    pedal press|release
//   cartridge insert|remove  force N (newtons of skin contact: motor load and force ADC)
//   supply V (nominal supply)  temp C (handpiece temperature ADC)
//   jam on|off (the cam seizes)  slip F (fraction of steps lost, 0..1)
//   drift UM_PER_S (the needle stop creeps)  tach on|off (off: the Hall wire is cut)
//   stats reset (latency statistics start over)  mark TEXT (a labelled timestamp)
//
// on/off, 1/0 and press/release are interchangeable for the switches.
#pragma once

#include <string>
#include <string_view>

namespace dermad::hil {

struct Command {
  enum Kind {
    kEstop,
    kTrigger,
    kPedal,
    kCartridge,
    kForce,
    kSupply,
    kTemp,
    kJam,
    kSlip,
    kDrift,
    kTach,
    kStatsReset,
    kMark,
  };
  Kind kind = kMark;
  bool on = false;     // switches: pressed, inserted, on
  double value = 0.0;  // force, supply, temp, slip, drift
  std::string text;    // mark
};

// False with the reason in `error` for a line that is not a command.
bool parse_command(std::string_view line, Command& cmd, std::string& error);

}  // namespace dermad::hil
