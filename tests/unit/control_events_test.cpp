// The loop's record of what happened: state changes and alarm transitions, in order, and
// an honest count when the queue was ever full.
#include <gtest/gtest.h>

#include <vector>

#include "tests/unit/sim_rig.hpp"

namespace dermad::control {
namespace {

std::vector<ControlEvent> drain(test::SimRig& rig) {
  std::vector<ControlEvent> out;
  ControlEvent e;
  while (rig.core->next_event(e)) out.push_back(e);
  return out;
}

bool has(const std::vector<ControlEvent>& v, EventKind k, uint8_t a, uint8_t b = 0) {
  for (const auto& e : v) {
    if (e.kind == k && e.a == a && (k != EventKind::kStateChanged || e.b == b)) return true;
  }
  return false;
}

uint8_t st(State s) {
  return static_cast<uint8_t>(s);
}
uint8_t code(AlarmCode c) {
  return static_cast<uint8_t>(c);
}

TEST(ControlEvents, StateChangesAndAlarmsAreRecordedInOrder) {
  test::SimRig rig;
  ASSERT_TRUE(rig.boot_to_idle());
  auto ev = drain(rig);
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_TRUE(has(ev, EventKind::kStateChanged, st(State::kBoot), st(State::kHoming)));
  EXPECT_TRUE(has(ev, EventKind::kStateChanged, st(State::kHoming), st(State::kIdle)));
  EXPECT_LT(ev[0].t_ns, ev[1].t_ns);

  ASSERT_EQ(rig.jog(800, 100, 3000), Verdict::kAccepted);
  rig.pen.set_estop(true);
  rig.run_ticks(5);
  rig.pen.set_estop(false);
  rig.run_ticks(5);
  rig.acknowledge();
  rig.run_ticks(2);
  ev = drain(rig);
  EXPECT_TRUE(has(ev, EventKind::kStateChanged, st(State::kIdle), st(State::kService)));
  EXPECT_TRUE(has(ev, EventKind::kAlarmRaised, code(AlarmCode::kEstop)));
  EXPECT_TRUE(has(ev, EventKind::kStateChanged, st(State::kService), st(State::kEstop)));
  EXPECT_TRUE(has(ev, EventKind::kAlarmAcknowledged, code(AlarmCode::kEstop)));
  EXPECT_TRUE(has(ev, EventKind::kStateChanged, st(State::kEstop), st(State::kIdle)));

  // A non-latching alarm clears by itself: recorded as cleared, not acknowledged.
  rig.pen.set_fault(hal::sim::SimFault::kSupplySag, true);
  rig.run_ticks(200);
  rig.pen.set_fault(hal::sim::SimFault::kSupplySag, false);
  rig.run_ticks(200);
  ev = drain(rig);
  EXPECT_TRUE(has(ev, EventKind::kAlarmRaised, code(AlarmCode::kSupplyLow)));
  EXPECT_TRUE(has(ev, EventKind::kAlarmCleared, code(AlarmCode::kSupplyLow)));
}

TEST(ControlEvents, AFullQueueCountsWhatItLostAndSaysSo) {
  test::SimRig rig;
  rig.pen.insert_cartridge({"C-1", hal::CartridgeType::kStandard, 12, "L", "2030-01-01"});
  ASSERT_TRUE(rig.boot_to_idle());
  ASSERT_EQ(rig.arm(600, 100), Verdict::kAccepted);
  rig.run_linked(300);
  drain(rig);
  // ARMED <-> RUNNING every tick, nobody draining: more events than the queue holds.
  for (int i = 0; i < 5000; ++i) {
    rig.pen.set_trigger(i % 2 == 0);
    rig.run_linked(1);
  }
  auto ev = drain(rig);
  EXPECT_EQ(ev.size(), EventQueue::capacity());
  rig.pen.set_trigger(true);
  rig.run_linked(1);
  ev = drain(rig);
  ASSERT_GE(ev.size(), 2u);
  EXPECT_EQ(ev[0].kind, EventKind::kEventsLost);
  EXPECT_EQ(ev[0].n, 5000u - EventQueue::capacity());
  EXPECT_EQ(ev[1].kind, EventKind::kStateChanged);
}

}  // namespace
}  // namespace dermad::control
