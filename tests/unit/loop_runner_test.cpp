// Lateness accounting of the loop runner, on virtual time with injected late wake-ups.
#include <gtest/gtest.h>

#include "tests/unit/sim_rig.hpp"

namespace dermad::control {
namespace {

using test::SimRig;

TEST(LoopRunner, OnTimeTicksAreZeroLateAndEvenlySpaced) {
  SimRig rig;
  rig.run_ticks(1000);
  const auto& f = rig.runner.figures();
  EXPECT_EQ(f.ticks, 1000u);
  EXPECT_EQ(f.overruns, 0u);
  EXPECT_EQ(f.missed_periods, 0u);
  EXPECT_EQ(rig.runner.histogram().max_us(), 0u);
  EXPECT_EQ(rig.latest().t_ns - 1'000'000'000, 1000 * 1'000'000);
}

TEST(LoopRunner, SmallLatenessIsMeasuredButNotAnOverrun) {
  SimRig rig;
  for (int i = 0; i < 100; ++i) {
    if (i % 10 == 0) rig.clock.inject_lateness(300'000);  // 300 us, below half a period
    rig.run_ticks(1);
  }
  const auto& f = rig.runner.figures();
  EXPECT_EQ(f.overruns, 0u);
  EXPECT_EQ(rig.runner.histogram().max_us(), 300u);
  EXPECT_EQ(rig.runner.histogram().percentile_us(0.5), 0u);
  EXPECT_EQ(rig.runner.histogram().percentile_us(0.95), 300u);
  EXPECT_EQ(rig.latest().late_us, 0u);
}

TEST(LoopRunner, StallSkipsMissedPeriodsInsteadOfReplayingThem) {
  SimRig rig;
  rig.run_ticks(10);
  const int64_t before = rig.latest().t_ns;
  rig.clock.inject_lateness(5'500'000);  // the thread was stalled for 5.5 ms
  rig.run_ticks(1);
  const Snapshot late = rig.latest();
  EXPECT_EQ(late.late_us, 5500u);
  EXPECT_EQ(late.t_ns - before, 6'500'000);
  rig.run_ticks(1);
  const Snapshot next = rig.latest();
  // The next tick lands on the next whole period after the stall, not 1 ms after it.
  EXPECT_EQ(next.t_ns - before, 7'000'000);
  EXPECT_EQ(next.late_us, 0u);
  const auto& f = rig.runner.figures();
  EXPECT_EQ(f.overruns, 1u);
  EXPECT_EQ(f.missed_periods, 5u);
  EXPECT_EQ(f.ticks, 12u);
  EXPECT_EQ(f.late_max_us, 5500u);
}

TEST(LatenessHistogram, PercentilesOverFineAndCoarseBuckets) {
  LatenessHistogram h;
  for (int i = 0; i < 98; ++i) h.record(10'000);  // 10 us
  h.record(2'500'000);                            // 2.5 ms
  h.record(900'000'000);                          // 900 ms
  EXPECT_EQ(h.count(), 100u);
  EXPECT_EQ(h.percentile_us(0.5), 10u);
  EXPECT_EQ(h.percentile_us(0.99), 3000u);  // upper bound of the 2..3 ms bucket
  EXPECT_EQ(h.max_us(), 900'000u);
  h.record(-5);  // an early wake-up is zero late, not negative
  EXPECT_EQ(h.percentile_us(0.01), 0u);
}

}  // namespace
}  // namespace dermad::control
