#include "daemon/control/supervisor.hpp"

#include <gtest/gtest.h>

#include <set>
#include <utility>

namespace dermad::control {
namespace {

const std::set<std::pair<State, State>> kAllowed = {
    {State::kBoot, State::kHoming},   {State::kHoming, State::kIdle},
    {State::kIdle, State::kArmed},    {State::kIdle, State::kService},
    {State::kIdle, State::kHoming},   {State::kArmed, State::kIdle},
    {State::kArmed, State::kRunning}, {State::kRunning, State::kArmed},
    {State::kRunning, State::kIdle},  {State::kService, State::kIdle},
    {State::kFault, State::kIdle},    {State::kFault, State::kHoming},
    {State::kEstop, State::kIdle},    {State::kEstop, State::kHoming},
};

constexpr State kStates[] = {State::kBoot,    State::kHoming,  State::kIdle,  State::kArmed,
                             State::kRunning, State::kService, State::kFault, State::kEstop};

TEST(Supervisor, TransitionTableIsExactlyTheDesign) {
  for (State from : kStates) {
    for (State to : kStates) {
      bool want = kAllowed.count({from, to}) > 0;
      if (to == State::kFault || to == State::kEstop) want = from != to;
      EXPECT_EQ(transition_allowed(from, to), want) << to_string(from) << " -> " << to_string(to);
    }
  }
}

TEST(Supervisor, HighAlarmFaultsAndLatchesUntilAcknowledgedAfterItClears) {
  Supervisor s;
  ASSERT_TRUE(s.request(State::kHoming));
  ASSERT_TRUE(s.request(State::kIdle));
  s.update(10, bit(AlarmCode::kMotorStall));
  EXPECT_EQ(s.state(), State::kFault);
  EXPECT_EQ(s.alarms().since_ns[static_cast<int>(AlarmCode::kMotorStall)], 10);
  EXPECT_FALSE(s.request(State::kIdle));
  EXPECT_EQ(s.acknowledge(0, true), 0u);  // still present
  s.update(20, 0);
  EXPECT_EQ(s.state(), State::kFault);  // latched
  EXPECT_EQ(s.acknowledge(0, true), bit(AlarmCode::kMotorStall));
  EXPECT_EQ(s.state(), State::kIdle);
}

TEST(Supervisor, NonLatchingAlarmClearsByItself) {
  Supervisor s;
  s.update(1, bit(AlarmCode::kSupplyLow));
  EXPECT_TRUE(s.alarms().active & bit(AlarmCode::kSupplyLow));
  EXPECT_EQ(s.state(), State::kBoot);  // medium priority: no fault
  s.update(2, 0);
  EXPECT_EQ(s.alarms().active, 0u);
}

TEST(Supervisor, EstopWinsOverFaultAndAckWithoutHomingGoesToHoming) {
  Supervisor s;
  s.update(1, bit(AlarmCode::kEstop) | bit(AlarmCode::kOvertemp));
  EXPECT_EQ(s.state(), State::kEstop);
  s.update(2, 0);
  EXPECT_EQ(s.acknowledge(bit(AlarmCode::kEstop), false), bit(AlarmCode::kEstop));
  EXPECT_EQ(s.state(), State::kFault);  // the overtemp latch is still there
  s.acknowledge(0, false);
  EXPECT_EQ(s.state(), State::kHoming);
}

}  // namespace
}  // namespace dermad::control
