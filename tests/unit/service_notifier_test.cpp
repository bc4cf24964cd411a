// What `systemctl status dermad` says dermad is doing, and systemd's watchdog interval.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "daemon/service_notifier.hpp"

namespace dermad {
namespace {

using control::State;

control::Snapshot in(State s, uint32_t alarms = 0) {
  control::Snapshot snap;
  snap.state = s;
  snap.alarms.active = alarms;
  return snap;
}

TEST(StatusLine, SaysWhatThePenIsDoingAndWhichAlarmsAreActive) {
  EXPECT_EQ(status_line(in(State::kBoot), ""), "homing the needles");
  EXPECT_EQ(status_line(in(State::kHoming), ""), "homing the needles");
  EXPECT_EQ(status_line(in(State::kIdle), ""), "idle");
  EXPECT_EQ(status_line(in(State::kRunning), "S-1"), "session S-1 (RUNNING)");
  EXPECT_EQ(status_line(in(State::kArmed, 1u << 11), "S-1"),
            "session S-1 (ARMED); alarms: LINK_LOST");
  EXPECT_EQ(status_line(in(State::kFault, (1u << 1) | (1u << 6)), ""),
            "fault: MOTOR_STALL, OVERTEMP");
  EXPECT_EQ(status_line(in(State::kFault), ""), "fault: (cleared, to acknowledge)");
  EXPECT_EQ(status_line(in(State::kEstop, 1u), ""), "emergency stop; alarms: ESTOP");
  EXPECT_EQ(status_line(in(State::kService), ""), "service routine");
}

TEST(WatchdogInterval, IsSystemdsForThisProcessOnly) {
  unsetenv("WATCHDOG_PID");
  unsetenv("WATCHDOG_USEC");
  EXPECT_EQ(watchdog_usec_from_env(), 0);
  setenv("WATCHDOG_USEC", "2000000", 1);
  EXPECT_EQ(watchdog_usec_from_env(), 2'000'000);
  setenv("WATCHDOG_PID", std::to_string(getpid()).c_str(), 1);
  EXPECT_EQ(watchdog_usec_from_env(), 2'000'000);
  setenv("WATCHDOG_PID", std::to_string(getpid() + 1).c_str(), 1);  // meant for another
  EXPECT_EQ(watchdog_usec_from_env(), 0);
  unsetenv("WATCHDOG_PID");
  setenv("WATCHDOG_USEC", "nonsense", 1);
  EXPECT_EQ(watchdog_usec_from_env(), 0);
  unsetenv("WATCHDOG_USEC");
}

}  // namespace
}  // namespace dermad
