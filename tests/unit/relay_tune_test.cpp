// Speed calibration's relay autotune (#14), on plants whose relay test is worked out exactly.
#include "daemon/calibration/relay_tune.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

namespace dermad::calibration {
namespace {

constexpr double kPi = std::numbers::pi;

// What a relay of +-d gives on `p`: the frequency where its phase is -180 degrees, and the
// amplitude the describing function says.
RelayObservation relay_on(const Plant& p, double d) {
  double lo = 1e-2, hi = 1e5;
  for (int i = 0; i < 200; ++i) {
    const double mid = std::sqrt(lo * hi);
    (std::atan(p.tau_s * mid) + p.delay_s * mid < kPi ? lo : hi) = mid;
  }
  const double w = std::sqrt(lo * hi);
  const double g = p.gain_hz_per_duty / std::sqrt(1.0 + p.tau_s * p.tau_s * w * w);
  return {d, 4.0 * d / kPi * g, 2.0 * kPi / w};
}

TEST(RelayTune, ThePlantIsIdentifiedAndItsGainsHoldTheBounds) {
  // About this pen's drive: 225 Hz per unit duty, 60 ms mechanical lag, 6 ms of measurement.
  const Plant pen{225.0, 0.060, 0.006};
  const auto r = tune_pi(relay_on(pen, 0.1), pen.gain_hz_per_duty);
  ASSERT_TRUE(r.ok) << (r.refusals.empty() ? "" : r.refusals[0]);
  const PiTuning& t = r.tuning;
  EXPECT_NEAR(t.plant.tau_s, 0.060, 1e-6);
  EXPECT_NEAR(t.plant.delay_s, 0.006, 1e-6);
  EXPECT_GT(t.kp, 0.0);
  EXPECT_GT(t.ki, 0.0);
  EXPECT_LE(t.overshoot_pct, 10.0);
  EXPECT_GE(t.phase_margin_deg, 45.0);
  EXPECT_GT(t.settle_s, 0.0);
  EXPECT_LT(t.settle_s, 0.2);
}

TEST(RelayTune, AStrongerMotorGetsGainsOfItsOwn) {
  const Plant nominal{225.0, 0.060, 0.006}, drifted{225.0 / 1.15, 0.060 / 1.15, 0.006};
  const auto a = tune_pi(relay_on(nominal, 0.1), nominal.gain_hz_per_duty);
  const auto b = tune_pi(relay_on(drifted, 0.1), drifted.gain_hz_per_duty);
  ASSERT_TRUE(a.ok && b.ok);
  EXPECT_GT(b.tuning.kp, a.tuning.kp);  // less speed per duty: more duty per Hz of error
}

TEST(RelayTune, JudgingSeesAnAggressiveLoopForWhatItIs) {
  const Plant pen{225.0, 0.060, 0.006};
  const LoopFigures calm = judge_pi(pen, 0.01, 0.15);
  const LoopFigures wild = judge_pi(pen, 0.05, 5.0);
  EXPECT_LT(calm.overshoot_pct, wild.overshoot_pct);
  EXPECT_GT(calm.phase_margin_deg, wild.phase_margin_deg);
  EXPECT_GT(wild.overshoot_pct, 10.0);
}

TEST(RelayTune, AnImpossibleOrMissingOscillationIsRefused) {
  // An oscillation larger than the motor's static gain could make.
  auto r = tune_pi({0.1, 40.0, 0.05}, 225.0);
  ASSERT_FALSE(r.ok);
  EXPECT_NE(r.refusals[0].find("a misread relay test"), std::string::npos) << r.refusals[0];
  r = tune_pi({0.1, 0.0, 0.05}, 225.0);
  ASSERT_FALSE(r.ok);
  EXPECT_NE(r.refusals[0].find("no oscillation"), std::string::npos) << r.refusals[0];
  r = tune_pi({0.9, 5.0, 0.05}, 225.0);
  ASSERT_FALSE(r.ok);
  EXPECT_NE(r.refusals[0].find("relay amplitude"), std::string::npos) << r.refusals[0];
}

TEST(RelayTune, GainsThatWouldOvershootOnThePlantAreNotOffered) {
  const Plant pen{225.0, 0.060, 0.006};
  TuneLimits strict;
  strict.max_overshoot_pct = 0.01;
  strict.min_phase_margin_deg = 89.0;
  const auto r = tune_pi(relay_on(pen, 0.1), pen.gain_hz_per_duty, strict);
  ASSERT_FALSE(r.ok);
  EXPECT_NE(r.refusals.back().find("phase margin"), std::string::npos) << r.refusals.back();
}

}  // namespace
}  // namespace dermad::calibration
