#include "daemon/calibration/relay_tune.hpp"

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstdio>
#include <deque>
#include <numbers>

namespace dermad::calibration {

namespace {

constexpr double kPi = std::numbers::pi;

std::string num(double v, const char* unit) {
  char b[48];
  std::snprintf(b, sizeof b, "%.3g %s", v, unit);
  return b;
}

std::complex<double> loop_at(const Plant& p, double kp, double ki, double w) {
  const std::complex<double> jw(0.0, w);
  const auto g = p.gain_hz_per_duty * std::exp(-jw * p.delay_s) / (p.tau_s * jw + 1.0);
  return (kp + ki / jw) * g;
}

// The step of lim.step_hz under PI (kp, ki), at the loop's period, with the dead time as a
// queue of past duties; `each(t, y)` sees every tick's speed.
template <class Each>
void simulate_step(const Plant& p, double kp, double ki, const TuneLimits& lim, double horizon,
                   Each each) {
  const double dt = lim.period_s;
  const std::size_t delay_ticks = static_cast<std::size_t>(std::lround(p.delay_s / dt));
  std::deque<double> pipe(delay_ticks, 0.0);
  double y = 0.0, integral = 0.0;
  const double r = lim.step_hz;
  for (double t = 0.0; t < horizon; t += dt) {
    const double e = r - y;
    integral += ki * e * dt;
    pipe.push_back(kp * e + integral);
    const double u = pipe.front();
    pipe.pop_front();
    y += dt * (p.gain_hz_per_duty * u - y) / p.tau_s;
    each(t + dt, y);
  }
}

}  // namespace

std::vector<double> step_response(const Plant& p, double kp, double ki, const TuneLimits& lim,
                                  double horizon_s, int samples) {
  std::vector<double> out;
  if (samples < 2 || !(p.tau_s > 0.0)) return out;
  const double every = horizon_s / (samples - 1);
  out.push_back(0.0);
  simulate_step(p, kp, ki, lim, horizon_s + lim.period_s, [&](double t, double y) {
    if (static_cast<int>(out.size()) < samples && t >= every * static_cast<double>(out.size())) {
      out.push_back(y);
    }
  });
  return out;
}

LoopFigures judge_pi(const Plant& p, double kp, double ki, const TuneLimits& lim) {
  LoopFigures f;
  // Phase margin: the gain crossover found by bisection on a log scale (|L| falls with w for
  // a PI on a lag: the integral's -20 dB/decade, then the plant's).
  double lo = 1e-3, hi = 1e5;
  for (int i = 0; i < 200; ++i) {
    const double mid = std::sqrt(lo * hi);
    (std::abs(loop_at(p, kp, ki, mid)) > 1.0 ? lo : hi) = mid;
  }
  const double wc = std::sqrt(lo * hi);
  // Taken term by term, so the dead time's phase is not wrapped at -pi.
  const double phase = -std::atan2(ki / wc, kp) - std::atan(p.tau_s * wc) - p.delay_s * wc;
  f.phase_margin_deg = 180.0 + phase * 180.0 / kPi;

  double peak = 0.0, last_outside = 0.0;
  const double r = lim.step_hz;
  simulate_step(p, kp, ki, lim, std::max(2.0, 40.0 * (p.tau_s + p.delay_s)),
                [&](double t, double y) {
                  peak = std::max(peak, y);
                  if (std::abs(y - r) > 0.02 * r) last_outside = t;
                });
  f.overshoot_pct = std::max(0.0, (peak - r) / r * 100.0);
  f.settle_s = last_outside;
  return f;
}

PiTuningResult tune_pi(const RelayObservation& o, double k, const TuneLimits& lim) {
  PiTuningResult res;
  auto refuse = [&res](std::string why) { res.refusals.push_back(std::move(why)); };
  if (!(o.relay_duty > 0.0 && o.relay_duty <= 0.5)) {
    refuse("relay amplitude " + num(o.relay_duty, "duty") + " outside 0..0.5");
  }
  if (!(o.amplitude_hz > 0.0) || !(o.period_s > 0.0)) {
    refuse("no oscillation: amplitude " + num(o.amplitude_hz, "Hz") + ", period " +
           num(o.period_s, "s"));
  }
  if (!(k > 0.0)) refuse("no static gain from the feed-forward sweep");
  if (!res.refusals.empty()) return res;

  PiTuning& t = res.tuning;
  const double w = 2.0 * kPi / o.period_s;
  // The relay's fundamental is 4d/pi: the plant's gain at w is a over that.
  const double g_at_w = kPi * o.amplitude_hz / (4.0 * o.relay_duty);
  t.ku = 1.0 / g_at_w;
  t.tu_s = o.period_s;
  if (!(k > g_at_w)) {
    refuse("the oscillation (" + num(o.amplitude_hz, "Hz") +
           ") is larger than a motor of this static gain can make: a misread relay test");
    return res;
  }
  Plant& p = t.plant;
  p.gain_hz_per_duty = k;
  p.tau_s = std::sqrt((k / g_at_w) * (k / g_at_w) - 1.0) / w;
  p.delay_s = (kPi - std::atan(p.tau_s * w)) / w;
  // SIMC: closed-loop time constant tc, integral time min(tau, 4(tc + L)). Tight first
  // (tc = L); detuned step by step until the loop holds the bounds on the identified plant.
  for (const double factor : {1.0, 1.5, 2.0, 3.0, 4.0}) {
    const double tc = std::max(p.delay_s, lim.period_s) * factor;
    t.kp = p.tau_s / (k * (tc + p.delay_s));
    t.ki = t.kp / std::min(p.tau_s, 4.0 * (tc + p.delay_s));
    const LoopFigures f = judge_pi(p, t.kp, t.ki, lim);
    t.overshoot_pct = f.overshoot_pct;
    t.settle_s = f.settle_s;
    t.phase_margin_deg = f.phase_margin_deg;
    if (f.overshoot_pct <= lim.max_overshoot_pct &&
        f.phase_margin_deg >= lim.min_phase_margin_deg) {
      break;
    }
  }
  if (t.overshoot_pct > lim.max_overshoot_pct) {
    refuse("on the identified plant the gains overshoot " + num(t.overshoot_pct, "%") +
           ", over the " + num(lim.max_overshoot_pct, "%") + " allowed, even detuned");
  }
  if (t.phase_margin_deg < lim.min_phase_margin_deg) {
    refuse("on the identified plant the gains leave a phase margin of " +
           num(t.phase_margin_deg, "degrees") + ", under the " +
           num(lim.min_phase_margin_deg, "degrees") + " required, even detuned");
  }
  res.ok = res.refusals.empty();
  return res;
}

}  // namespace dermad::calibration
