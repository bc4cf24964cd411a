// systemd's readiness protocol (sd_notify): one datagram to $NOTIFY_SOCKET, nothing when
// not started by systemd.
#pragma once

#include <string_view>

namespace dermad {

void notify_systemd(std::string_view state);

}  // namespace dermad
