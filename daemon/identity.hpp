// Who this pen is, for `dermactl info`, a service ticket and the fleet: its serial number,
// hardware revision and the build of dermad it runs.
#pragma once

#include <string>

namespace dermad {

struct Identity {
  std::string serial;
  std::string hardware_revision;
  std::string build;  // the git commit dermad was configured from ("+dirty": with changes)
};

// A real pen: the serial is the first line of `serial_file` (trimmed; NULs, which the device
// tree's strings end with, dropped). `problem` says why none could be read, and the serial
// then says "unknown".
Identity board_identity(const std::string& serial_file, const std::string& hardware_revision,
                        std::string& problem);
// The simulated pen: "SIM-" and the first 8 characters of /etc/machine-id, so two
// development machines' pens differ.
Identity sim_identity();

}  // namespace dermad
